/// Why a policy file was refused: every problem found, each with the file, the line and the key.
///
/// A message never repeats a value that could be a secret: for passwords it names the line and
/// the kind of secret only.
public struct PolicyError: Error, CustomStringConvertible, Equatable, Sendable {
    public struct Issue: Equatable, Sendable, CustomStringConvertible {
        /// 1-based; nil for a problem with the file as a whole (unreadable, too large).
        public let line: Int?
        /// The dotted key (`retention.keep-daily`), or nil for a problem with no key (syntax).
        public let key: String?
        public let message: String

        public init(line: Int?, key: String?, message: String) {
            self.line = line
            self.key = key
            self.message = message
        }

        public var description: String {
            key.map { "key '\($0)': \(message)" } ?? message
        }
    }

    public let file: String
    public let issues: [Issue]

    /// Issues are kept in line order (stable for one line), as a reader goes through the file.
    public init(file: String, issues: [Issue]) {
        self.file = file
        self.issues = issues.enumerated()
            .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            .map(\.element)
    }

    public init(file: String, line: Int?, key: String?, _ message: String) {
        self.init(file: file, issues: [Issue(line: line, key: key, message: message)])
    }

    /// One line per problem: `policies/x.toml:12: key 'retention.keep-daily': expected an integer, found a string`.
    public var description: String {
        issues.map { issue in "\(file):" + (issue.line.map { "\($0):" } ?? "") + " \(issue)" }.joined(separator: "\n")
    }
}
