import Foundation

/// What one `verify archive` run found, kept in `<repository>/verifications/` so `list` and
/// `show` can say when a set was last proved and how.
public struct VerificationRecord: Codable, Sendable, Equatable {
    public let set: String
    /// `archive --quick` or `archive`.
    public let mode: String
    public let startedAt: Date
    public let seconds: Double
    public let passed: Bool
    public let checks: Int
    public let differences: Int
    /// The first few differences, one line each, so the record says what went wrong.
    public let firstDifferences: [String]
    public let tool: String

    public init(set: String, mode: String, startedAt: Date, seconds: Double, passed: Bool, checks: Int,
                differences: Int, firstDifferences: [String], tool: String) {
        self.set = set
        self.mode = mode
        self.startedAt = startedAt
        self.seconds = seconds
        self.passed = passed
        self.checks = checks
        self.differences = differences
        self.firstDifferences = firstDifferences
        self.tool = tool
    }
}

extension LocalRepository {
    public static let verificationsFolder = "verifications"

    /// Keeps a record as `verifications/<start time>-<random>-<backup id>.json`: never over
    /// another record (two runs may start in the same second), written atomically.
    public func keep(_ record: VerificationRecord) throws(RepositoryError) {
        let id = try BackupID(parsing: record.set)
        let folder = try RepositoryRecords.folder(Self.verificationsFolder, in: path)
        try RepositoryRecords.write(record, to: folder + "/" + Self.verificationRecordName(record, id))
    }

    /// `<start time>-<random>-<backup id>.json`.
    static func verificationRecordName(_ record: VerificationRecord, _ id: BackupID) -> String {
        CompactTimestamp.string(from: record.startedAt) + "-" + String(format: "%08x", UInt32.random(in: 0...UInt32.max)) + "-" + id.rawValue + ".json"
    }

    /// The verification records of one set (or all), oldest first; unreadable files are skipped.
    public func verifications(of id: BackupID? = nil) -> [VerificationRecord] {
        let folder = path + "/" + Self.verificationsFolder
        return RepositoryRecords.names(in: folder)
            .filter { name in id.map { name.hasSuffix("-" + $0.rawValue + ".json") } ?? true }
            .compactMap { try? RepositoryRecords.read(VerificationRecord.self, at: folder + "/" + $0) }
            .sorted { $0.startedAt < $1.startedAt }
    }

    /// Removes a removed set's verification records, drill reports and pin record: they
    /// describe nothing now (a bucket's removal does the same). Only inside the repository's own
    /// plain folders: through a planted link to another folder, unlink would delete files there.
    func forgetRecords(of id: BackupID) {
        for folder in [path + "/" + Self.verificationsFolder, path + "/" + Self.drillsFolder] {
            for name in RepositoryRecords.names(in: folder) where name.hasSuffix("-" + id.rawValue + ".json") {
                unlink(folder + "/" + name)
            }
        }
        if FileSystem.isRealDirectory(path + "/" + Self.pinsFolder) { unlink(pinRecordPath(id)) }
    }
}
