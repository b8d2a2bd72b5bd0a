import ArgumentParser
import ArkivEngine
import ArkivRepository
import Foundation

/// `arkiv verify` / `arkiv-verify`: prove a backup is good.
public struct VerifyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove a backup set is good. Exit 0 when everything matches, 3 when anything differs.",
        subcommands: [VerifyArchiveCommand.self, VerifyRestoredCommand.self, VerifyCompareCommand.self])

    public init() {}
}

/// `verify archive`: the set on its own, no database needed.
struct VerifyArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Check a set offline: files, authentication, every chunk, and every table's rows and hashes.",
        discussion: """
            --quick checks every stored file's size and SHA-256 against the manifest and needs no key \
            (for cron right after a backup). Without it, the identity (or passphrase) is needed: the \
            manifest's authentication, every record, and every table's rows, content hash and vector \
            facts are recomputed and compared.
            """)

    @Argument(help: ArgumentHelp("The backup id, or latest.", valueName: "backup-id"))
    var set: String

    @Option(help: ArgumentHelp("The repository: a directory or s3://BUCKET/PREFIX.", valueName: "dir"))
    var repo: String?

    @OptionGroup var policy: PolicyOptions

    @Flag(help: "Only check files against the manifest (no key needed).")
    var quick = false

    @Option(help: ArgumentHelp("Check this many archive files at once (default: [restore] jobs, else 1).", valueName: "n"))
    var jobs: Int?

    @OptionGroup var keys: SetKeyOptions

    @Option(help: ArgumentHelp("Write the JSON report (every check, expected and actual) to this file.", valueName: "file"))
    var report: String?

    @Flag(help: "Print the JSON report on stdout instead of the table.")
    var json = false

    func run() throws {
        let settings = try policy.load()
        let repository = try settings.repository(repo)
        var verifier = ArchiveVerifier(
            repository: repository, set: set, quick: quick)
        verifier.jobs = settings.value(jobs, { $0.restore.jobs }, default: 1)
        guard (1...64).contains(verifier.jobs) else { throw ValidationError("--jobs must be between 1 and 64") }
        verifier.identities = quick ? [] : try settings.identities(keys)
        verifier.passphrase = try KeySources.passphrase(file: keys.passphraseFile, environmentVariable: keys.passphraseEnvironmentVariable)
        if !quick && verifier.identities.isEmpty && verifier.passphrase == nil {
            throw ValidationError("a full check decrypts the set: give --identity, --passphrase-file or a policy with [restore] identity (or use --quick)")
        }
        let result = try verifier.run()
        verifier.keepRecord(of: result, reporter: ProgressReporter(mode: .automatic))
        try VerifyOutput.emit(result, json: json, reportFile: report)
    }
}

/// Keys for reading a set, shared by the verify modes that decrypt.
struct SetKeyOptions: ParsableArguments {
    @Option(name: .customLong("identity"), help: ArgumentHelp("An identity file (repeatable).", valueName: "file"))
    var identities: [String] = []

    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp("Read the set's passphrase from this file.", valueName: "file"))
    var passphraseFile: String?

    @Option(name: .customLong("passphrase-env"), help: ArgumentHelp("Read the set's passphrase from this environment variable.", valueName: "variable"))
    var passphraseEnvironmentVariable: String?
}

/// `verify restored`: a restored database against its set.
struct VerifyRestoredCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restored",
        abstract: "Check a restored database against the set: objects, rows, hashes, constraints, pgvector.")

    @Argument(help: ArgumentHelp("The backup id, or latest.", valueName: "backup-id"))
    var set: String

    @Option(help: ArgumentHelp("The repository: a directory or s3://BUCKET/PREFIX.", valueName: "dir"))
    var repo: String?

    @OptionGroup var policy: PolicyOptions

    @Option(help: ArgumentHelp("URL of the restored database.", valueName: "url"))
    var target: String?

    @Option(name: .customLong("target-env"), help: ArgumentHelp("Read the target URL from this environment variable.", valueName: "variable"))
    var targetEnvironmentVariable: String?

    @OptionGroup var keys: SetKeyOptions

    @Option(help: ArgumentHelp("Write the JSON report to this file.", valueName: "file"))
    var report: String?

    @Flag(help: "Print the JSON report on stdout instead of the table.")
    var json = false

    @Flag(name: .customLong("data-only"), help: "The target's structure came from elsewhere (restore --data-only): check rows, hashes and foreign keys; list the structural differences.")
    var dataOnly = false

    @Option(name: .customLong("schema"), help: ArgumentHelp("With --data-only: check only this schema of the set (repeatable).", valueName: "name"))
    var schemas: [String] = []

    @Option(name: .customLong("rename-schema"), help: ArgumentHelp("With --data-only: as given to the restore.", valueName: "old=new"))
    var renames: [String] = []

    @Flag(name: .customLong("skip-missing-columns"), help: "With --data-only: as given to the restore.")
    var skipMissingColumns = false

    func validate() throws {
        if !dataOnly && (!schemas.isEmpty || !renames.isEmpty || skipMissingColumns) {
            throw ValidationError("--schema, --rename-schema and --skip-missing-columns go with --data-only")
        }
        _ = try RestoreCommand.renameMap(renames)
    }

    func run() throws {
        let settings = try policy.load()
        if dataOnly {
            var verifier = DataOnlyVerifier(
                repository: try settings.repository(repo), set: set,
                target: try ConnectionOptions(url: target, urlEnvironmentVariable: targetEnvironmentVariable).target())
            verifier.identities = try settings.identities(keys)
            verifier.passphrase = try KeySources.passphrase(file: keys.passphraseFile, environmentVariable: keys.passphraseEnvironmentVariable)
            verifier.schemas = schemas
            verifier.renameSchemas = try RestoreCommand.renameMap(renames)
            verifier.skipMissingColumns = skipMissingColumns
            try VerifyOutput.emit(try verifier.run(), json: json, reportFile: report)
            return
        }
        var verifier = RestoredVerifier(
            repository: try settings.repository(repo), set: set,
            target: try ConnectionOptions(url: target, urlEnvironmentVariable: targetEnvironmentVariable).target())
        verifier.identities = try settings.identities(keys)
        verifier.passphrase = try KeySources.passphrase(file: keys.passphraseFile, environmentVariable: keys.passphraseEnvironmentVariable)
        try VerifyOutput.emit(try verifier.run(), json: json, reportFile: report)
    }
}

/// `verify compare`: two live databases, the cutover check.
struct VerifyCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two live databases (each in its own snapshot): objects, rows, hashes, constraints, pgvector.")

    @Option(help: ArgumentHelp("URL of the reference database.", valueName: "url"))
    var source: String?

    @Option(name: .customLong("source-env"), help: ArgumentHelp("Read the source URL from this environment variable.", valueName: "variable"))
    var sourceEnvironmentVariable: String?

    @Option(help: ArgumentHelp("URL of the database checked against it.", valueName: "url"))
    var target: String?

    @Option(name: .customLong("target-env"), help: ArgumentHelp("Read the target URL from this environment variable.", valueName: "variable"))
    var targetEnvironmentVariable: String?

    @Option(name: .customLong("schema"), help: ArgumentHelp("A schema to compare (repeatable; default: all of the source's).", valueName: "name"))
    var schemas: [String] = []

    @OptionGroup var policy: PolicyOptions

    @Option(help: ArgumentHelp("Write the JSON report to this file.", valueName: "file"))
    var report: String?

    @Flag(help: "Print the JSON report on stdout instead of the table.")
    var json = false

    @OptionGroup var roles: RoleMapOptions

    @Flag(name: .customLong("data-only"), help: "The target's structure came from elsewhere (a data-only load): judge rows, hashes, keys, vectors, sequences and materialized views; list the structural differences.")
    var dataOnly = false

    func run() throws {
        let settings = try policy.load()
        var verifier = CompareVerifier(
            source: try settings.connection(url: source, environmentVariable: sourceEnvironmentVariable, { $0.source.connection }, key: "source.url-env"),
            target: try ConnectionOptions(url: target, urlEnvironmentVariable: targetEnvironmentVariable).target())
        verifier.schemas = settings.list(schemas) { $0.source.schemas }
        verifier.roleMap = try roles.map()
        verifier.dataOnly = dataOnly
        try VerifyOutput.emit(try verifier.run(), json: json, reportFile: report)
    }
}

/// How every verify mode reports: a table of differences, or JSON; the exit code says it all.
enum VerifyOutput {
    /// DDL spans lines; a table row must not.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// One line of at most `limit` characters, cut at a word with `…`: a cell never breaks a row.
    static func cell(_ text: String, limit: Int) -> (text: String, cut: Bool) {
        let line = oneLine(text)
        guard line.count > limit else { return (line, false) }
        var cut = String(line.prefix(limit - 1))
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > limit / 2 { cut = String(cut[..<space]) }
        return (cut + "…", true)
    }

    static func emit(_ report: VerifyReport, json: Bool, reportFile: String?) throws {
        let data = try report.json()
        if let reportFile {
            try data.write(to: URL(fileURLWithPath: reportFile), options: .atomic)
        }
        if json {
            print(String(decoding: data, as: UTF8.self))
        } else {
            var wasCut = false
            func fit(_ text: String, _ limit: Int) -> String {
                let fitted = cell(text, limit: limit)
                wasCut = wasCut || fitted.cut
                return fitted.text
            }
            if let accepted = report.accepted, !accepted.isEmpty {
                print("accepted differences (structure, not judged):")
                print(TextTable.render(header: ["OBJECT", "DIFFERENCE", "HANDLING"],
                                       rows: accepted.map { [oneLine($0.object), fit($0.difference, 90), fit($0.handling, 90)] }))
                print()
            }
            let differences = report.differences
            if !differences.isEmpty {
                print(TextTable.render(
                    header: ["OBJECT", "CHECK", "EXPECTED", "ACTUAL"],
                    rows: differences.map { [oneLine($0.object), $0.check, fit($0.expected, 60), fit($0.actual, 100)] }))
                print()
            }
            if wasCut {
                print("(texts cut with … are whole in the JSON report: --report FILE or --json)")
            }
            print("verify \(report.mode) \(report.set): \(report.checks.count) checks, \(differences.count) differences "
                  + String(format: "(%.1f s)", report.seconds) + (report.passed ? " — OK" : " — FAILED"))
        }
        guard report.passed else {
            throw CommandFailure(.differenceFound, "verification found \(report.differences.count) difference(s) in \(report.set)")
        }
    }
}
