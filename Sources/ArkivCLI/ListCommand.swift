import ArgumentParser
import ArkivArchive
import ArkivEngine
import ArkivRepository
import Foundation

/// `arkiv list`: the backup sets of a repository, for people and for scripts.
///
/// Needs no key: the listing reads manifests without authenticating them (that needs the data
/// key), so what it shows is what the set claims; `arkiv-verify` proves it.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the backup sets in a repository, with their last verification and drill.",
        discussion: "--drills lists the drill history instead (every drill, oldest first).")

    @Option(help: ArgumentHelp("The repository: a directory or s3://BUCKET/PREFIX.", valueName: "dir"))
    var repo: String?

    @OptionGroup var policy: PolicyOptions

    @Flag(help: "Also list incomplete sets (a backup that did not finish).")
    var all = false

    @Flag(help: "List the drill history instead of the sets.")
    var drills = false

    @Flag(help: "Print a JSON array (stable field names, for scripts).")
    var json = false

    /// The repository, or nil when a directory is not there yet.
    private static func existing(_ path: String) throws(StorageError) -> (any Storage)? {
        do {
            return try RepositoryLocation(path).open()
        } catch {
            if case .notFound = error { return nil }
            throw error
        }
    }

    func run() throws {
        let settings = try policy.load()
        let path = try settings.repository(repo)
        guard let storage = try Self.existing(path) else {
            // A repository is made by its first backup: not an error before the first night.
            print(json ? "[]" : "no repository at \(path) yet: the first backup creates it")
            return
        }
        let stored = StoredSets(storage: storage)
        let state = settings.policy?.drill.stateDirectory ?? DrillRunner.defaultStateDirectory()
        if drills {
            let history = DrillRunner.history(repository: path, stateDirectory: state)
            print(json ? try RecordJSON.string(history) : DrillListing.table(history))
            return
        }
        let history = RepositoryHistory(stored, repository: path, stateDirectory: state)
        let entries = try stored.sets().filter { all || $0.complete }.map { SetListing($0, in: stored, history: history) }
        print(json ? try RecordJSON.string(entries) : SetListing.table(entries))
        let sources = Set(entries.compactMap(\.sourceIdentity))
        if sources.count > 1 {
            let names = Set(entries.compactMap(\.source)).sorted().joined(separator: ", ")
            FileHandle.standardError.write(Data(("arkiv: warning: \(stored.storage.location) holds sets of \(sources.count) sources (\(names)); "
                + "prune applies the rules to each source's sets on its own\n").utf8))
        }
    }
}

/// One line of `arkiv list`; its JSON form is the scripting contract.
struct SetListing: Encodable {
    let id: String
    let createdAt: Date
    let label: String?
    /// Pinned now: at backup time or by `arkiv pin`, unless unpinned since.
    let pinned: Bool
    /// Where the pin comes from, in words.
    let pin: String
    let complete: Bool
    /// Bytes on disk of everything in the set folder.
    let bytes: Int
    let tables: Int?
    let rows: UInt64?
    let encrypted: Bool?
    let recipients: [String]?
    let database: String?
    /// `database on host:port`, and the identity sets are grouped by for retention.
    let source: String?
    let sourceIdentity: String?
    let lastVerify: CheckSummary?
    let lastDrill: CheckSummary?
    /// Why a set's manifest could not be read, when it could not.
    let problem: String?

    init(_ entry: StoredSets.Entry, in stored: StoredSets, history: RepositoryHistory) {
        id = entry.id.rawValue
        createdAt = entry.id.createdAt
        label = entry.id.label
        complete = entry.complete
        bytes = Int(entry.bytes)
        var manifest: Manifest?
        var problem: String?
        if entry.complete {
            do { manifest = try stored.manifest(entry.id).manifest } catch { problem = "\(error)" }
        }
        let pinState = stored.pinState(of: entry.id, pinnedAtBackup: manifest?.pinned ?? false)
        pinned = pinState.isPinned
        pin = pinState.description
        tables = manifest?.tables.count
        rows = manifest.map { $0.tables.reduce(0) { $0 + $1.rows } }
        encrypted = manifest?.encryption.isEncrypted
        recipients = manifest?.encryption.recipientKeyIDs
        database = manifest?.source.database
        source = manifest?.source.summary
        sourceIdentity = manifest?.source.identity
        lastVerify = history.verifications(of: entry.id).last.map(CheckSummary.init)
        lastDrill = history.drills(of: entry.id).last.map(CheckSummary.init)
        self.problem = problem
    }

    static func table(_ entries: [SetListing], now: Date = Date()) -> String {
        guard !entries.isEmpty else { return "no backup sets" }
        let header = ["ID", "AGE", "SIZE", "LABEL", "SOURCE", "PINNED", "LAST VERIFY", "LAST DRILL", "STATE"]
        let rows = entries.map { entry -> [String] in
            [entry.id, age(since: entry.createdAt, now: now), ProgressReporter.bytes(Int64(entry.bytes)), entry.label ?? "-", entry.source ?? "-",
             entry.pinned ? "yes" : "", entry.lastVerify?.text(now: now) ?? "-", entry.lastDrill?.text(now: now) ?? "-",
             entry.problem != nil ? "unreadable manifest" : entry.complete ? "complete" : "INCOMPLETE"]
        }
        return TextTable.render(header: header, rows: rows)
    }

    static func age(since date: Date, now: Date = Date()) -> String {
        span(now.timeIntervalSince(date))
    }

    /// `12s`, `42m`, `5h`, `3d`: coarse on purpose, for tables.
    static func span(_ interval: TimeInterval) -> String {
        let seconds = max(0, Int(interval))
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m"
        case ..<86400: return "\(seconds / 3600)h"
        default: return "\(seconds / 86400)d"
        }
    }
}

/// The last verification or drill of a set, as list shows it: result and when.
struct CheckSummary: Encodable {
    let at: Date
    /// `archive --quick`, `archive` or `drill`.
    let mode: String
    let passed: Bool
    let differences: Int
    let error: String?

    init(_ record: VerificationRecord) {
        at = record.startedAt
        mode = record.mode
        passed = record.passed
        differences = record.differences
        error = nil
    }

    init(_ report: DrillReport) {
        at = report.startedAt
        mode = "drill"
        passed = report.passed
        differences = report.differences.count
        error = report.error
    }

    /// `ok quick, 2h ago`, `FAILED 3 diff, 1d ago`.
    func text(now: Date) -> String {
        let result = passed ? "ok" : error != nil ? "FAILED" : "FAILED \(differences) diff"
        let kind = mode == "archive --quick" ? " quick" : mode == "archive" ? " full" : ""
        return "\(result)\(kind), \(SetListing.age(since: at, now: now)) ago"
    }
}

/// The repository's verification records and drill reports, read once and looked up per set.
struct RepositoryHistory {
    private let verificationsBySet: [String: [VerificationRecord]]
    private let drillsBySet: [String: [DrillReport]]

    init(_ stored: StoredSets, repository: String, stateDirectory: String? = DrillRunner.defaultStateDirectory()) {
        verificationsBySet = Dictionary(grouping: stored.verifications(), by: \.set)
        drillsBySet = Dictionary(grouping: DrillRunner.history(repository: repository, stateDirectory: stateDirectory).sorted { $0.startedAt < $1.startedAt }, by: \.set)
    }

    /// Oldest first.
    func verifications(of id: BackupID) -> [VerificationRecord] { verificationsBySet[id.rawValue] ?? [] }
    func drills(of id: BackupID) -> [DrillReport] { drillsBySet[id.rawValue] ?? [] }
}

/// `arkiv list --drills`: every drill, oldest first.
enum DrillListing {
    static func table(_ reports: [DrillReport], now: Date = Date()) -> String {
        guard !reports.isEmpty else { return "no drills yet (arkiv drill keeps its reports in <repo>/drills/)" }
        let formatter = ISO8601DateFormatter()
        let header = ["STARTED (UTC)", "AGE", "SET", "RESULT", "RPO", "RTO", "TABLES", "ROWS", "DIFFERENCES"]
        let rows = reports.sorted { $0.startedAt < $1.startedAt }.map { report -> [String] in
            [formatter.string(from: report.startedAt), SetListing.age(since: report.startedAt, now: now), report.set,
             report.passed ? "passed" : report.error != nil ? "FAILED (error)" : "FAILED",
             SetListing.span(report.backupAgeSeconds),
             String(format: "%.1f s", report.totalSeconds), String(report.tables), String(report.rows), String(report.differences.count)]
        }
        return TextTable.render(header: header, rows: rows)
    }
}

/// The JSON every listing command prints: sorted keys, ISO 8601 dates, readable.
enum RecordJSON {
    static func string<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Left-aligned columns for terminal tables.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
