/// Something that stops a data-only load, found before a byte is loaded, with what to do.
public struct DataOnlyProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The table or column, as `schema.table[.column]` of the target.
    public let object: String
    public let problem: String
    public let fix: String

    public init(object: String, problem: String, fix: String) {
        self.object = object
        self.problem = problem
        self.fix = fix
    }

    public var description: String { "\(object): \(problem); fix: \(fix)" }
}

/// A difference between the set and the target's structure that a data-only load accepts,
/// and how the load deals with it. Restore logs them; `verify restored --data-only` lists them.
public struct AcceptedDifference: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public let object: String
    /// One line, for the table; the statements themselves are in `expected`/`actual`.
    public let difference: String
    public let handling: String
    /// The reference's and the target's text (whole DDL statements), when they differ.
    public var expected: String?
    public var actual: String?

    public init(object: String, difference: String, handling: String, expected: String? = nil, actual: String? = nil) {
        self.object = object
        self.difference = difference
        self.handling = handling
        self.expected = expected
        self.actual = actual
    }

    /// Structural checks that differ, as accepted differences: each object and kind once.
    static func listing(_ checks: [VerifyReport.Check], handling: String) -> [AcceptedDifference] {
        var seen: Set<String> = [], listed: [AcceptedDifference] = []
        for check in checks where !check.passed && seen.insert("\(check.object)\u{0}\(check.check)").inserted {
            let difference = check.expected == "absent" ? "\(check.check) only in the target"
                : check.actual == "absent" ? "\(check.check) not in the target" : "\(check.check) differs"
            listed.append(AcceptedDifference(object: check.object, difference: difference, handling: handling,
                                             expected: check.expected, actual: check.actual))
        }
        return listed
    }

    public var description: String { "\(object): \(difference) (\(handling))" }
}
