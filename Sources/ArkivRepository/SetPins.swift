import Foundation

/// A pin given or taken after the backup: `<repository>/pins/<backup-id>.json`.
///
/// The manifest's `pinned` (from `arkiv-backup --pin`) is authenticated and never rewritten, so
/// a later pin or unpin is a record beside the set that overrides it: the newest word wins.
/// Unpinning a set pinned at backup time writes `pinned: false`.
public struct PinRecord: Codable, Sendable, Equatable {
    public init(set: String, pinned: Bool, at: Date, by: String, note: String?) {
        self.set = set
        self.pinned = pinned
        self.at = at
        self.by = by
        self.note = note
    }

    public let set: String
    public let pinned: Bool
    public let at: Date
    /// `user@host` of whoever changed it.
    public let by: String
    public let note: String?
}

/// Where a set's pin comes from, for people reading `list` and `show`.
public enum PinState: Sendable, Equatable {
    case notPinned
    case pinnedAtBackup
    case pinned(PinRecord)
    /// Pinned at backup time, unpinned later.
    case unpinned(PinRecord)
    /// A pin record exists but cannot be read: treated as pinned, so nothing is lost.
    case unreadableRecord(String)

    public var isPinned: Bool {
        switch self {
        case .pinnedAtBackup, .pinned, .unreadableRecord: return true
        case .notPinned, .unpinned: return false
        }
    }

    public var description: String {
        switch self {
        case .notPinned: return "no"
        case .pinnedAtBackup: return "yes (at backup)"
        case .pinned(let record): return "yes (by \(record.by), \(ISO8601DateFormatter().string(from: record.at)))"
        case .unpinned(let record): return "no (pinned at backup, unpinned by \(record.by), \(ISO8601DateFormatter().string(from: record.at)))"
        case .unreadableRecord(let problem): return "yes (pin record unreadable: \(problem))"
        }
    }
}

extension LocalRepository {
    public static let pinsFolder = "pins"
    /// Drill reports, named like verification records (the drill writes them; docs/FORMAT.md §9.3).
    public static let drillsFolder = "drills"

    func pinRecordPath(_ id: BackupID) -> String { path + "/" + Self.pinsFolder + "/" + id.rawValue + ".json" }

    /// The set's pin, from its manifest's flag and any later record.
    public func pinState(of id: BackupID, pinnedAtBackup: Bool) -> PinState {
        let folder = path + "/" + Self.pinsFolder
        if FileSystem.exists(folder) && !FileSystem.isRealDirectory(folder) {
            return .unreadableRecord(RepositoryError.notARealDirectory(folder).description)
        }
        let record: PinRecord?
        do { record = try RepositoryRecords.read(PinRecord.self, at: pinRecordPath(id)) } catch {
            return .unreadableRecord(error.description)
        }
        guard let record else { return pinnedAtBackup ? .pinnedAtBackup : .notPinned }
        if record.pinned { return .pinned(record) }
        return pinnedAtBackup ? .unpinned(record) : .notPinned
    }

    /// The account's name from the password database (cron and systemd set no `USER`), with the
    /// person behind `sudo`: who to ask about a pin.
    public static func currentUser(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let uid = geteuid()
        var name = getpwuid(uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
            ?? environment["LOGNAME"] ?? environment["USER"] ?? "uid \(uid)"
        if let sudo = environment["SUDO_USER"], !sudo.isEmpty, sudo != name { name += " (sudo by \(sudo))" }
        return name
    }
}
