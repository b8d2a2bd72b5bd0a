import ArgumentParser
import ArkivArchive
import ArkivEngine
import ArkivPostgres
import Foundation

/// `arkiv backup` / `arkiv-backup`: one consistent, encrypted backup set of the source.
public struct BackupCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up schemas of a PostgreSQL database into a repository.",
        discussion: """
            Every schema is read in one snapshot; tables stream through COPY into one compressed, \
            encrypted archive per schema; manifest.json is written last. The source comes from \
            --source, --source-env or the PG* environment (~/.pgpass for the password).
            """)

    @Option(help: ArgumentHelp("Source URL or conninfo (prefer --source-env, ~/.pgpass or PG* variables for passwords).", valueName: "url"))
    var source: String?

    @Option(name: .customLong("source-env"), help: ArgumentHelp("Read the source URL from this environment variable.", valueName: "variable"))
    var sourceEnvironmentVariable: String?

    @Option(help: ArgumentHelp("The repository directory (created if missing).", valueName: "dir"))
    var repo: String

    @Option(name: .customLong("schema"), help: ArgumentHelp("A schema to back up (repeatable; default: all non-system schemas).", valueName: "name"))
    var schemas: [String] = []

    @Option(name: .customLong("exclude-schema"), help: ArgumentHelp("A schema to leave out (repeatable).", valueName: "name"))
    var excludeSchemas: [String] = []

    @Option(name: .customLong("exclude-table-data"), help: ArgumentHelp("Keep the table's DDL but not its rows (repeatable).", valueName: "schema.table"))
    var excludeTableData: [String] = []

    @OptionGroup var encryption: EncryptionOptions

    @Option(help: ArgumentHelp("Compression: zstd (default), gzip or none.", valueName: "codec"))
    var codec: String = "zstd"

    @Option(help: ArgumentHelp("Compression level (zstd 1–19, gzip 1–9).", valueName: "n"))
    var level: Int?

    @Option(help: ArgumentHelp("Parallel connections.", valueName: "n"))
    var jobs: Int = 2

    @Option(help: ArgumentHelp("A label for the set (a–z, 0–9, -).", valueName: "text"))
    var label: String?

    @Flag(help: "Pin the set: retention never removes it.")
    var pin = false

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("How long to wait for each table lock.", valueName: "duration"))
    var lockTimeout: String = "30s"

    @Flag(name: .customLong("no-owner"), help: "Leave ownership out of the DDL.")
    var noOwner = false

    @Flag(name: .customLong("no-privileges"), help: "Leave grants out of the DDL.")
    var noPrivileges = false

    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    public init() {}

    public func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64") }
        if source != nil && sourceEnvironmentVariable != nil { throw ValidationError("give --source or --source-env, not both") }
        _ = try codecValue()
    }

    func codecValue() throws -> Codec {
        switch codec {
        case "zstd":
            let value = level ?? 3
            guard (1...19).contains(value) else { throw ValidationError("--level for zstd must be 1–19") }
            return .zstd(level: Int32(value))
        case "gzip":
            let value = level ?? 6
            guard (1...9).contains(value) else { throw ValidationError("--level for gzip must be 1–9") }
            return .gzip(level: Int32(value))
        case "none":
            return .none
        default:
            throw ValidationError("--codec must be zstd, gzip or none")
        }
    }

    public func run() throws {
        let target = try ConnectionOptions(url: source, urlEnvironmentVariable: sourceEnvironmentVariable).target()
        var options = BackupOptions(source: target, repository: repo)
        options.schemas = schemas
        options.excludeSchemas = excludeSchemas
        options.excludeTableData = excludeTableData
        try encryption.apply(to: &options)
        options.codec = try codecValue()
        options.jobs = jobs
        options.label = label
        options.pin = pin
        options.lockTimeout = lockTimeout
        options.includeOwners = !noOwner
        options.includePrivileges = !noPrivileges
        let reporter = ProgressReporter(mode: .automatic)
        let result = try BackupRunner(options: options, reporter: reporter).run()
        print(json ? try BackupSummary.json(result) : BackupSummary.text(result))
    }
}

/// Who a backup is encrypted to, or the explicit choice not to encrypt.
struct EncryptionOptions: ParsableArguments {
    @Option(name: .customLong("recipient"), help: ArgumentHelp("A public recipient (arkiv1pub-…, from `arkiv keygen`); repeatable.", valueName: "key"))
    var recipients: [String] = []

    @Option(name: .customLong("recipients-file"), help: ArgumentHelp("A file of recipients, one per line.", valueName: "file"))
    var recipientsFiles: [String] = []

    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp("Also wrap the key for the passphrase in this file.", valueName: "file"))
    var passphraseFile: String?

    @Option(name: .customLong("passphrase-env"), help: ArgumentHelp("Also wrap the key for the passphrase in this environment variable.", valueName: "variable"))
    var passphraseEnvironmentVariable: String?

    @Flag(name: .customLong("no-encryption"), help: "Store the set unencrypted (recorded in the manifest).")
    var noEncryption = false

    func apply(to options: inout BackupOptions) throws {
        if noEncryption {
            guard recipients.isEmpty, recipientsFiles.isEmpty, passphraseFile == nil, passphraseEnvironmentVariable == nil else {
                throw ValidationError("--no-encryption cannot be combined with recipients or a passphrase")
            }
            options.encrypt = false
            return
        }
        options.recipients = try KeySources.recipients(strings: recipients, files: recipientsFiles)
        options.passphrase = try KeySources.passphrase(file: passphraseFile, environmentVariable: passphraseEnvironmentVariable)
        guard !options.recipients.isEmpty || options.passphrase != nil else { throw KeySources.KeyError.noRecipients }
    }
}
