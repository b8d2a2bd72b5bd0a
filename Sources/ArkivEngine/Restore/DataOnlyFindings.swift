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
public struct AcceptedDifference: Sendable, Equatable, Codable, CustomStringConvertible {
    public let object: String
    public let difference: String
    public let handling: String

    public init(object: String, difference: String, handling: String) {
        self.object = object
        self.difference = difference
        self.handling = handling
    }

    public var description: String { "\(object): \(difference) (\(handling))" }
}
