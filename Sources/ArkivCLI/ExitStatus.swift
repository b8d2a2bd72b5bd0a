/// The exit codes every arkiv executable uses; monitors and cron wrappers rely on them.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 2
    /// Verification ran and found a difference.
    case differenceFound = 3
    /// Another run holds the repository lock.
    case repositoryLocked = 4
}

/// A failure a command reports itself, with the exit code it maps to.
public struct CommandFailure: Error, CustomStringConvertible, Sendable {
    public let status: ExitStatus
    public let description: String

    public init(_ status: ExitStatus = .failure, _ description: String) {
        self.status = status
        self.description = description
    }
}
