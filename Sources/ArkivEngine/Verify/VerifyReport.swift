import Foundation

/// Every check a verification made, with what was expected and what was found.
public struct VerifyReport: Codable, Sendable {
    public struct Check: Codable, Sendable, Equatable {
        /// What was checked: a file, a table, `manifest`.
        public let object: String
        /// Which check: `sha256`, `rows`, `content hash`, `vector dimensions`, …
        public let check: String
        public let expected: String
        public let actual: String
        public let passed: Bool

        public init(object: String, check: String, expected: String, actual: String) {
            self.init(object: object, check: check, expected: expected, actual: actual, passed: expected == actual)
        }

        /// A check whose outcome is not plain equality (a sequence ahead of the source's passes).
        public init(object: String, check: String, expected: String, actual: String, passed: Bool) {
            self.object = object
            self.check = check
            self.expected = expected
            self.actual = actual
            self.passed = passed
        }

        /// A check that could not run, which is a difference too.
        public static func failed(_ object: String, _ check: String, expected: String, error: String) -> Check {
            Check(object: object, check: check, expected: expected, actual: "error: \(error)")
        }
    }

    public let mode: String
    public let set: String
    public let startedAt: Date
    public var seconds: Double = 0
    public var checks: [Check] = []
    /// `verify restored --data-only`: structural differences between the set and the target
    /// that the data-only load accepts, listed rather than judged (nil in the other modes).
    public var accepted: [AcceptedDifference]?

    public init(mode: String, set: String, startedAt: Date = Date()) {
        self.mode = mode
        self.set = set
        self.startedAt = startedAt
    }

    public var differences: [Check] { checks.filter { !$0.passed } }
    public var passed: Bool { differences.isEmpty && !checks.isEmpty }

    /// The report as the JSON file `--report` writes.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}
