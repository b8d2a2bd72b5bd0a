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
