import ArgumentParser
import ArkivArchive
import ArkivEngine
import ArkivPostgres
import Foundation

/// `arkiv restore` / `arkiv-restore`: a backup set into a scratch database or a named target.
public struct RestoreCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup set into a new scratch database (or, explicitly, an existing one).",
        discussion: """
            The set is proven first (manifest authentication, every file's SHA-256), the target is \
            checked (extensions, CREATEDB, existing schemas) and every problem reported before anything \
            changes. The restored database is marked incomplete until the last step succeeds.
            """)

    @Argument(help: ArgumentHelp("The backup id, or latest.", valueName: "backup-id"))
    var set: String

    @Option(help: ArgumentHelp("The repository: a directory or s3://BUCKET/PREFIX.", valueName: "dir"))
    var repo: String?

    @OptionGroup var policy: PolicyOptions

    @Option(help: ArgumentHelp("Target server URL (its database is where --scratch connects, or what --into-existing fills).", valueName: "url"))
    var target: String?

    @Option(name: .customLong("target-env"), help: ArgumentHelp("Read the target URL from this environment variable.", valueName: "variable"))
    var targetEnvironmentVariable: String?

    @Flag(help: "Create a new database and restore into it (what drills use).")
    var scratch = false

    @Option(name: .customLong("scratch-name"), help: ArgumentHelp("Name of the scratch database (default arkiv_scratch_<backup id>).", valueName: "name"))
    var scratchName: String?

    @Flag(name: .customLong("into-existing"), help: "Restore into the target URL's database; the schemas must not exist there.")
    var intoExisting = false

    @Flag(help: "With --into-existing: drop the restored schemas first (needs --yes).")
    var clean = false

    @Flag(help: "Confirm --clean or --truncate.")
    var yes = false

    @Option(name: .customLong("schema"), help: ArgumentHelp("Restore only this schema (repeatable).", valueName: "name"))
    var schemas: [String] = []

    @Option(name: .customLong("table"), help: ArgumentHelp("With --into-existing: load only this table's rows into its existing, empty table (repeatable).", valueName: "schema.table"))
    var tables: [String] = []

    @Flag(name: .customLong("data-only"), help: "Load only the rows, into the target's existing tables (deployed by the application's migrations): compatibility check first, one transaction.")
    var dataOnly = false

    @Flag(help: "With --data-only or --table: empty the target tables first, in the same transaction (needs --yes).")
    var truncate = false

    @Flag(name: .customLong("skip-missing-columns"), help: "With --data-only: leave out the set's columns the target lacks instead of stopping.")
    var skipMissingColumns = false

    @Option(name: .customLong("rename-schema"), help: ArgumentHelp("Restore schema old under the name new (repeatable).", valueName: "old=new"))
    var renames: [String] = []

    @Option(help: ArgumentHelp(
        "Server processes to keep busy (default 2): parallel connections for data, index builds and ANALYZE; a vector index (HNSW, IVFFlat) is built once nothing else runs, with n-1 parallel workers (within the server's max_parallel_maintenance_workers).",
        valueName: "n"))
    var jobs: Int?

    @Option(name: .customLong("maintenance-work-mem"), help: ArgumentHelp(
        "maintenance_work_mem for the index builds (default: the policy's [restore] maintenance-work-mem, else the server's). An HNSW graph larger than it is finished on disk, several times slower (the restore warns before loading, naming the index and a size that fits); in Docker, /dev/shm must hold it.",
        valueName: "size"))
    var maintenanceWorkMemory: String?

    @Flag(name: .customLong("target-locale"), help: ArgumentHelp(
        "With --scratch: create the database with the target server's default encoding and locale instead of the source database's "
            + "(for a server that lacks the source's locale; text then sorts as the server's default says)."))
    var targetLocale = false

    @OptionGroup var keys: SetKeyOptions

    @Flag(name: .customLong("no-owner"), help: "Do not restore ownership: the restoring role owns everything.")
    var noOwner = false

    @Flag(name: .customLong("no-privileges"), help: "Do not restore grants and default privileges.")
    var noPrivileges = false

    @OptionGroup var roles: RoleMapOptions

    @Flag(name: .customLong("create-missing-roles"), help: "Create roles the target lacks as NOLOGIN placeholders.")
    var createMissingRoles = false

    @Flag(name: .customLong("supabase-compat"), help: ArgumentHelp(
        "Supabase → plain PostgreSQL: create what the target lacks of Supabase's roles (NOLOGIN) and auth.uid()/role()/jwt(); "
            + "leave out Supabase's own extensions."))
    var supabaseCompat = false

    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    public init() {}

    public func validate() throws {
        if dataOnly && (scratch || clean) { throw ValidationError("--data-only loads into the existing tables of the --target database: not with --scratch or --clean") }
        if truncate && !dataOnly && tables.isEmpty { throw ValidationError("--truncate goes with --data-only or --table") }
        if truncate && !yes { throw ValidationError("--truncate empties the target tables first: confirm with --yes") }
        if skipMissingColumns && !dataOnly && tables.isEmpty { throw ValidationError("--skip-missing-columns goes with --data-only or --table") }
        guard dataOnly || scratch != intoExisting else { throw ValidationError("choose --scratch (a new database) or --into-existing") }
        if scratchName != nil && !scratch { throw ValidationError("--scratch-name goes with --scratch") }
        if targetLocale && !scratch { throw ValidationError("--target-locale goes with --scratch: an existing database keeps its own locale") }
        if clean && !intoExisting { throw ValidationError("--clean goes with --into-existing") }
        if !tables.isEmpty && !intoExisting { throw ValidationError("--table loads into an existing structure: add --into-existing") }
        if clean && !yes { throw ValidationError("--clean drops the restored schemas in the target first: confirm with --yes") }
        if let jobs, !(1...64).contains(jobs) { throw ValidationError("--jobs must be between 1 and 64") }
        if let size = maintenanceWorkMemory, !RestoreOptions.isMemorySize(size) {
            throw ValidationError("--maintenance-work-mem takes a size such as 512MB or 2GB, not \(size.debugDescription)")
        }
        if target != nil && targetEnvironmentVariable != nil { throw ValidationError("give --target or --target-env, not both") }
        _ = try renameMap()
        _ = try roles.map()
    }

    func renameMap() throws -> [String: String] { try Self.renameMap(renames) }

    static func renameMap(_ renames: [String]) throws -> [String: String] {
        var map: [String: String] = [:]
        for rename in renames {
            let parts = rename.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--rename-schema takes old=new, not \(rename.debugDescription)")
            }
            guard map[parts[0]] == nil else { throw ValidationError("schema \(parts[0]) is renamed twice") }
            map[parts[0]] = parts[1]
        }
        guard Set(map.values).count == map.count else { throw ValidationError("two schemas cannot be renamed to the same name") }
        return map
    }

    public func run() throws {
        let settings = try policy.load()
        let targetConnection = try ConnectionOptions(url: target, urlEnvironmentVariable: targetEnvironmentVariable).target()
        var options = RestoreOptions(
            repository: try settings.repository(repo), set: set, target: targetConnection,
            destination: scratch ? .scratch(name: scratchName) : .existing(clean: clean))
        options.schemas = schemas
        options.renameSchemas = try renameMap()
        options.tables = tables
        options.dataOnly = dataOnly
        options.truncate = truncate
        options.skipMissingColumns = skipMissingColumns
        options.jobs = settings.value(jobs, { $0.restore.jobs }, default: 2)
        options.maintenanceWorkMemory = settings.value(maintenanceWorkMemory) { $0.restore.maintenanceWorkMemory }
        options.targetLocale = targetLocale
        options.identities = try settings.identities(keys)
        options.passphrase = try KeySources.passphrase(file: keys.passphraseFile, environmentVariable: keys.passphraseEnvironmentVariable)
        options.includeOwners = !noOwner
        options.includePrivileges = !noPrivileges
        options.roleMap = try roles.map()
        options.createMissingRoles = createMissingRoles
        options.supabaseCompat = supabaseCompat
        let result: RestoreResult
        do {
            result = try RestoreRunner(options: options, reporter: ProgressReporter(mode: .automatic)).run()
        } catch RestoreError.incompatible(let problems) {
            throw CommandFailure(.failure, "the target cannot take this data as it is; nothing was loaded:\n"
                + TextTable.render(header: ["OBJECT", "PROBLEM", "FIX"], rows: problems.map { [$0.object, $0.problem, $0.fix] }))
        }
        print(json ? try Self.json(result) : Self.text(result))
    }

    static func text(_ result: RestoreResult) -> String {
        var text = "restored \(result.set) into \(result.target): \(result.tables) tables, \(result.rows) rows in "
        text += String(format: "%.1f s", result.seconds) + "\n"
        text += result.phases.map { "  " + $0.name.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: " %.2f s", $0.seconds) }
            .joined(separator: "\n")
        for skipped in result.skipped {
            text += "\nnot restored (needs a schema that was not restored): \(skipped)"
        }
        return text
    }

    static func json(_ result: RestoreResult) throws -> String {
        let object: [String: Any] = [
            "event": "summary", "set": result.set, "database": result.database, "target": result.target,
            "tables": result.tables, "rows": result.rows, "seconds": (result.seconds * 1000).rounded() / 1000,
            "phases": Dictionary(uniqueKeysWithValues: result.phases.map { ($0.name, ($0.seconds * 1000).rounded() / 1000) }),
            "skipped": result.skipped,
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
