import Foundation

/// What a disaster-recovery drill proved, kept in the repository as drill history.
public struct DrillReport: Codable, Sendable {
    public let set: String
    public let startedAt: Date
    /// How old the newest backup was when the drill started (the recovery point you have).
    public let backupAgeSeconds: Double
    public var restoreSeconds: Double = 0
    public var verifySeconds: Double = 0
    /// Restore plus verify: how long getting back to a proven database takes (your RTO).
    public var totalSeconds: Double = 0
    public var storedBytes: UInt64 = 0
    public var tables = 0
    public var rows = 0
    public var checks = 0
    public var differences: [VerifyReport.Check] = []
    public var error: String?
    public var scratchDatabase: String?
    public var scratchDropped = false
    /// Restore finished, verification ran and found no difference, nothing failed.
    public var passed = false

    init(set: String, startedAt: Date, backupAgeSeconds: Double) {
        self.set = set
        self.startedAt = startedAt
        self.backupAgeSeconds = backupAgeSeconds
    }
}
