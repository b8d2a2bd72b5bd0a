import ArkivArchive
import ArkivPostgres
import ArkivRepository
import Foundation

/// A disaster-recovery drill: the newest complete set (or a given one) restored into a scratch
/// database on the drill server, verified against its manifest, and the scratch database
/// dropped, also when something failed (unless asked to keep it). The report is kept in the
/// repository (`drills/`), so the history of proofs sits next to what they proved; a drill host
/// that may only read the repository keeps it in its own state folder instead. Where the record
/// goes never changes the drill's outcome.
public struct DrillRunner {
    public var repository: String
    public var set = "latest"
    /// The drill server (a maintenance database such as `postgres`).
    public var target: ConnectionTarget
    public var identities: [Identity] = []
    public var passphrase: SecureBytes?
    public var jobs = 2
    /// `maintenance_work_mem` for the restore's index builds; nil keeps the server's.
    public var maintenanceWorkMemory: String?
    public var keepScratch = false
    /// `--supabase-compat` for the drill's restore (Supabase's roles and auth helpers where
    /// neither the set nor the drill server has them).
    public var supabaseCompat = false
    /// A Prometheus textfile to (re)write with the drill's results.
    public var metricsFile: String?
    /// Where the report goes when the repository refuses it (a read-only drill host); the
    /// `--if-due` schedule and `list --drills` on this host read it too.
    public var stateDirectory = DrillRunner.defaultStateDirectory()
    public let reporter: ProgressReporter

    public init(repository: String, target: ConnectionTarget, reporter: ProgressReporter) {
        self.repository = repository
        self.target = target
        self.reporter = reporter
    }

    public static let historyFolder = LocalRepository.drillsFolder

    public func run() throws -> DrillReport {
        let started = Date()
        // One lease for the whole drill (its restore and verification lease again inside it), so
        // prune cannot remove the set between them.
        let entry = try DrilledSet.open(repository: repository, set: set, reporter: reporter)
        defer { entry.release() }
        var report = DrillReport(set: entry.id.rawValue, startedAt: started, backupAgeSeconds: started.timeIntervalSince(entry.id.createdAt))
        report.storedBytes = entry.bytes
        // Its own name every run: a database kept by an earlier drill (--keep), perhaps with
        // someone's work in it, is never in the way and never dropped.
        let scratch = String(RestoreRunner.scratchName(for: entry.id.rawValue, prefix: "arkiv_drill_").prefix(55))
            + "_" + String(format: "%06x", UInt32.random(in: 0..<0x1000000))
        report.scratchDatabase = scratch
        let owner = RestoreMarker.DrillOwner(pid: getpid(), host: ProcessInfo.processInfo.hostName, keep: keepScratch)
        do {
            try dropLeftovers()
            var options = RestoreOptions(repository: repository, set: entry.id.rawValue, target: target, destination: .scratch(name: scratch))
            options.identities = identities
            options.passphrase = passphrase
            options.jobs = jobs
            options.maintenanceWorkMemory = maintenanceWorkMemory
            // The drill server is scratch: roles it lacks become NOLOGIN placeholders, so the
            // owners, grants and policies the set holds are restored and proved.
            options.createMissingRoles = true
            options.supabaseCompat = supabaseCompat
            options.leaveOutPlatformExtensions = true
            options.drillOwner = owner
            let restored = try RestoreRunner(options: options, reporter: reporter).run()
            report.restoreSeconds = restored.seconds
            report.tables = restored.tables
            report.rows = restored.rows
            var verifier = RestoredVerifier(repository: repository, set: entry.id.rawValue, target: try target.database(scratch))
            verifier.identities = identities
            verifier.passphrase = passphrase
            verifier.reporter = reporter
            let verification = try verifier.run()
            report.verifySeconds = verification.seconds
            report.checks = verification.checks.count
            report.differences = verification.differences
        } catch {
            report.error = "\(error)"
        }
        if !keepScratch {
            report.scratchDropped = dropScratch(scratch, owner: owner)
        }
        report.totalSeconds = Date().timeIntervalSince(started)
        report.passed = report.error == nil && report.differences.isEmpty && report.checks > 0
        keep(report, of: entry.id)
        if let metricsFile {
            let backupSeconds = entry.finished.map { max(0, $0.timeIntervalSince(entry.id.createdAt)) }
            do {
                try DrillMetrics.write(report, repository: repository, backupCreatedAt: entry.id.createdAt, backupSeconds: backupSeconds, to: metricsFile)
            } catch {
                // The drill's outcome is its exit code; a stale metrics file shows in the alerts.
                reporter.log("warning", "\(error); the drill's result is in its exit code and report", fields: ["file": metricsFile])
            }
        }
        return report
    }

    /// A drill killed mid-restore or mid-verify leaves its scratch database behind, marked by the
    /// restore with the drill that made it. Such a database, whose drill is gone and was not
    /// told to keep it, is dropped before starting; so is an older drill's database left
    /// incomplete (before drills signed their marker). Anything else is left alone: a kept
    /// database, one with no arkiv marker, one a drill on another host is still using.
    private func dropLeftovers() throws {
        let admin = try Connection(target, applicationName: "arkiv-drill")
        let names = try admin.query(
            "SELECT datname FROM pg_catalog.pg_database WHERE datname LIKE 'arkiv\\_drill\\_%' AND datallowconn ORDER BY 1").rows.compactMap { $0["datname"] }
        for name in names {
            guard let marker = try? RestoreMarker.read(on: try Connection(target.database(name), applicationName: "arkiv-drill")) else { continue }
            let leftover = marker.drill.map { !$0.keep && $0.isGone } ?? (marker.state == .incomplete)
            guard leftover else { continue }
            reporter.log("warning", "dropping \(name), left behind by an interrupted drill of \(marker.set)", fields: ["database": name])
            try admin.execute("DROP DATABASE \(try admin.quoteIdentifier(name)) WITH (FORCE)")
        }
    }

    /// Drops the scratch database if this run made it (its marker names this drill); false
    /// when it could not be dropped. A database this run did not make is never touched.
    private func dropScratch(_ name: String, owner: RestoreMarker.DrillOwner) -> Bool {
        do {
            let admin = try Connection(target, applicationName: "arkiv-drill")
            let exists = try admin.queryRow("SELECT count(*) AS n FROM pg_catalog.pg_database WHERE datname = $1", [name]).decode(Int.self, "n") > 0
            guard exists else { return true }
            let marker = try RestoreMarker.read(on: try Connection(target.database(name), applicationName: "arkiv-drill"))
            guard marker?.drill == owner else {
                reporter.log("warning", "not dropping \(name): this drill did not make it", fields: ["database": name])
                return false
            }
            try admin.execute("DROP DATABASE \(try admin.quoteIdentifier(name)) WITH (FORCE)")
            return true
        } catch {
            reporter.log("warning", "could not drop the drill's scratch database \(name): \(error)")
            return false
        }
    }

    /// `<repository>/drills/<drill time>-<random>-<set id>.json`, written atomically and never
    /// over another drill's report (two drills may start in the same second). When the
    /// repository refuses it, the same file goes to the state folder, with one warning.
    private func keep(_ report: DrillReport, of id: BackupID) {
        let data: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            data = try encoder.encode(report)
        } catch {
            reporter.log("warning", "the drill report could not be encoded (\(error)); it is not kept")
            return
        }
        let name = StoredSets.drillReportName(id, startedAt: report.startedAt)
        let refused: String
        do {
            try RepositoryLocation(repository).open().save(name, data: data, ifAbsent: true)
            return
        } catch {
            refused = "the drill report could not be kept in \(repository): \(error)"
        }
        guard let local = Self.localHistoryFolder(stateDirectory: stateDirectory, repository: repository) else {
            reporter.log("warning", "\(refused); no state folder to keep the drill report in instead (set ARKIV_STATE_DIR or --state-dir)")
            return
        }
        do {
            try RecordFiles.write(data, named: String(name.dropFirst(Self.historyFolder.count + 1)), in: local)
            try? RecordFiles.write(Data((Self.absolute(repository) + "\n").utf8), named: "repository.txt", in: local)
            reporter.log("warning", "\(refused); the drill report is kept in \(local) instead, where --if-due and list --drills on this host read it",
                         fields: ["folder": local])
        } catch {
            reporter.log("warning", "\(refused); nor in the state folder: \(error); the drill report is not kept")
        }
    }

    /// Where a drill host keeps what it cannot write into the repository: `$ARKIV_STATE_DIR`,
    /// `/var/lib/arkiv` for root, else `$XDG_STATE_HOME/arkiv` or `~/.local/state/arkiv`.
    public static func defaultStateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit = environment["ARKIV_STATE_DIR"], !explicit.isEmpty { return explicit }
        if getuid() == 0 { return "/var/lib/arkiv" }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/arkiv" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/state/arkiv" }
        return nil
    }

    /// `<state>/drills/<first 16 hex of SHA-256 of the repository's absolute path>`: one folder per
    /// repository, so two repositories' histories never mix.
    static func localHistoryFolder(stateDirectory: String?, repository: String) -> String? {
        guard let stateDirectory, let digest = try? SHA256.hash(Array(absolute(repository).utf8)) else { return nil }
        return stateDirectory + "/" + historyFolder + "/" + Hex.encode(digest.prefix(8))
    }

    private static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Every kept drill report of a repository, oldest first: the repository's own, and those
    /// this host kept in its state folder because the repository refused them.
    public static func history(repository: String, stateDirectory: String? = defaultStateDirectory()) -> [DrillReport] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var kept = (try? RepositoryLocation(repository).open()).map { StoredSets(storage: $0).drillReports() } ?? []
        if let local = localHistoryFolder(stateDirectory: stateDirectory, repository: repository) {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: local)) ?? []).filter { $0.hasSuffix(".json") }
            kept += names.compactMap { name in FileManager.default.contents(atPath: local + "/" + name).map { (name, $0) } }
        }
        return kept.sorted { $0.name < $1.name }.compactMap { try? decoder.decode(DrillReport.self, from: $0.data) }
    }
}

/// The set a drill restores, held (leased) for the whole drill, wherever it is stored.
private struct DrilledSet {
    let id: BackupID
    let bytes: UInt64
    /// When the backup wrote its manifest, where the storage says (a file's modification time).
    let finished: Date?
    let release: () -> Void

    static func open(repository: String, set: String, reporter: ProgressReporter) throws -> DrilledSet {
        // One hold for the whole drill (its restore and verification hold it again inside), so
        // prune cannot remove the set between them.
        let held = try SetReading.hold(repository: repository, set: set, command: "arkiv-drill", reporter: reporter)
        // The manifest is written last, so when it was written is when the backup ended.
        let finished = ((try? held.storage.stat(held.id.rawValue + "/" + LocalRepository.manifestName)) ?? nil)?.modified
        return DrilledSet(id: held.id, bytes: held.bytes, finished: finished, release: held.release)
    }
}
