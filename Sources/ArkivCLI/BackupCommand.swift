import ArgumentParser
import ArkivArchive
import ArkivEngine
import ArkivPostgres
import ArkivRepository
import Foundation

/// `arkiv backup` / `arkiv-backup`: one consistent, encrypted backup set of the source.
public struct BackupCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up schemas of a PostgreSQL database into a repository.",
        discussion: """
            Every schema is read in one snapshot; tables stream through COPY into one compressed, \
            encrypted archive per schema; manifest.json is written last. The source comes from \
            --source, --source-env, the policy's [source] or the PG* environment (~/.pgpass for the password).
            """)

    @OptionGroup var policy: PolicyOptions

    @Option(help: ArgumentHelp("Source URL or conninfo (prefer --source-env, ~/.pgpass or PG* variables for passwords).", valueName: "url"))
    var source: String?

    @Option(name: .customLong("source-env"), help: ArgumentHelp("Read the source URL from this environment variable.", valueName: "variable"))
    var sourceEnvironmentVariable: String?

    @Option(help: ArgumentHelp("The repository: a directory (created if missing) or s3://BUCKET/PREFIX.", valueName: "repo"))
    var repo: String?

    @Option(name: .customLong("schema"), help: ArgumentHelp("A schema to back up (repeatable; default: all non-system schemas).", valueName: "name"))
    var schemas: [String] = []

    @Option(name: .customLong("exclude-schema"), help: ArgumentHelp("A schema to leave out (repeatable).", valueName: "name"))
    var excludeSchemas: [String] = []

    @Option(name: .customLong("exclude-table-data"), help: ArgumentHelp("Keep the table's DDL but not its rows (repeatable).", valueName: "schema.table"))
    var excludeTableData: [String] = []

    @OptionGroup var encryption: EncryptionOptions

    @Option(help: ArgumentHelp("Compression: zstd (default), gzip or none.", valueName: "codec"))
    var codec: String?

    @Option(help: ArgumentHelp("Compression level (zstd 1–19, gzip 1–9).", valueName: "n"))
    var level: Int?

    @Option(help: ArgumentHelp("Parallel connections (default 2).", valueName: "n"))
    var jobs: Int?

    @Option(help: ArgumentHelp("A label for the set (a–z, 0–9, -).", valueName: "text"))
    var label: String?

    @Flag(inversion: .prefixedNo, help: "Pin the set: retention never removes it (default: not pinned).")
    var pin: Bool?

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("How long to wait for each table lock.", valueName: "duration"))
    var lockTimeout: String = "30s"

    @Flag(name: .customLong("no-owner"), help: "Leave ownership out of the DDL.")
    var noOwner = false

    @Flag(name: .customLong("no-privileges"), help: "Leave grants out of the DDL.")
    var noPrivileges = false

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Take the database's large objects (default: yes for the whole database, no with --schema).", valueName: "large-objects"))
    var largeObjects: Bool?

    @Flag(name: .customLong("include-foreign-secrets"),
          help: "Keep credentials in foreign servers' and user mappings' options (encrypted sets only; left out and named by default).")
    var includeForeignSecrets = false

    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    @Flag(name: .customLong("allow-empty"), help: "Take the set even when the source has no tables (otherwise refused: a wrong database must not make a set that looks good).")
    var allowEmpty = false

    @Option(name: .customLong("metrics-file"), help: ArgumentHelp(
        "Write the backup's Prometheus textfile here (default: the policy's [metrics] backup-file); its folder is created when missing.",
        valueName: "file"))
    var metricsFile: String?

    public init() {}

    public func validate() throws {
        if let label {
            do { try BackupID.validate(label: label) } catch { throw ValidationError("--label: \(error)") }
        }
        if lockTimeout.range(of: #"^[0-9]+ *(us|ms|s|min|h|d)?$"#, options: .regularExpression) == nil {
            throw ValidationError("--lock-timeout takes a duration such as 30s, 2min or 500ms, not \(lockTimeout.debugDescription)")
        }
        if let jobs, !(1...64).contains(jobs) { throw ValidationError("--jobs must be between 1 and 64") }
        if source != nil && sourceEnvironmentVariable != nil { throw ValidationError("give --source or --source-env, not both") }
        if codec != nil || level != nil { _ = try Self.codecValue(codec ?? "zstd", level: level) }
    }

    static func codecValue(_ codec: String, level: Int?) throws -> Codec {
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
        let settings = try policy.load()
        let target = try settings.connection(url: source, environmentVariable: sourceEnvironmentVariable, { $0.source.connection }, key: "source.url-env")
        var options = BackupOptions(source: target, repository: try settings.repository(repo))
        options.schemas = settings.list(schemas) { $0.source.schemas }
        options.excludeSchemas = settings.list(excludeSchemas) { $0.source.excludeSchemas }
        options.excludeTableData = settings.list(excludeTableData) { $0.source.excludeTableData }
        try encryption.apply(to: &options, policy: settings.policy?.archive)
        for recipient in options.recipients where recipient.isUnchecked {
            FileHandle.standardError.write(Data(("arkiv-backup: warning: recipient \(recipient.keyID) is in the older form without a checksum, "
                + "so a mistyped character in it cannot be caught; print its checked form with `arkiv recipient IDENTITY-FILE` "
                + "where the identity lives, and use that one\n").utf8))
        }
        // A level on the command line goes with the command line's codec, or the policy's.
        let codecName = settings.value(codec, { $0.archive.codec }, default: "zstd")
        options.codec = try Self.codecValue(codecName, level: level ?? (codec == nil ? settings.policy?.archive.level : nil))
        options.jobs = settings.value(jobs, { $0.archive.jobs }, default: 2)
        options.label = settings.value(label) { $0.archive.label }
        options.pin = settings.value(pin, { $0.archive.pin }, default: false)
        options.lockTimeout = lockTimeout
        options.includeOwners = !noOwner
        options.includePrivileges = !noPrivileges
        if includeForeignSecrets && !options.encrypt {
            throw ValidationError("--include-foreign-secrets needs an encrypted set: credentials are never stored in clear (drop --no-encryption)")
        }
        options.includeForeignSecrets = includeForeignSecrets
        options.allowEmpty = allowEmpty
        options.largeObjects = settings.value(largeObjects) { $0.source.largeObjects }
        let reporter = ProgressReporter(mode: .automatic)
        let metrics = settings.value(metricsFile) { $0.backupMetricsFile }
        let attempted = Date()
        let result: BackupResult
        do {
            result = try BackupRunner(options: options, reporter: reporter).run()
        } catch {
            if let metrics { Self.writeMetrics(nil, repository: options.repository, attemptedAt: attempted, to: metrics) }
            throw error
        }
        if let metrics { Self.writeMetrics(result, repository: options.repository, attemptedAt: attempted, to: metrics) }
        print(json ? try BackupSummary.json(result) : BackupSummary.text(result))
    }

    /// The backup's outcome is its exit code; metrics that cannot be written are a warning (the
    /// "no backup for 26 hours" alert then says so the next day).
    static func writeMetrics(_ result: BackupResult?, repository: String, attemptedAt: Date, to path: String) {
        do {
            try BackupMetrics.write(result, repository: repository, attemptedAt: attemptedAt, to: path)
        } catch {
            FileHandle.standardError.write(Data("arkiv-backup: warning: \(error)\n".utf8))
        }
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

    /// Recipients on the command line replace the policy's; a passphrase adds to either.
    func apply(to options: inout BackupOptions, policy: ArchivePolicy?) throws {
        if noEncryption {
            guard recipients.isEmpty, recipientsFiles.isEmpty, passphraseFile == nil, passphraseEnvironmentVariable == nil else {
                throw ValidationError("--no-encryption cannot be combined with recipients or a passphrase")
            }
            options.encrypt = false
            return
        }
        let fromFlags = !recipients.isEmpty || !recipientsFiles.isEmpty
        options.recipients = try KeySources.recipients(
            strings: fromFlags ? recipients : policy?.recipients ?? [], files: fromFlags ? recipientsFiles : policy?.recipientFiles ?? [])
        options.passphrase = try KeySources.passphrase(file: passphraseFile, environmentVariable: passphraseEnvironmentVariable)
        guard !options.recipients.isEmpty || options.passphrase != nil else { throw KeySources.KeyError.noRecipients }
    }
}
