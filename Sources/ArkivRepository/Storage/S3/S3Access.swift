import Foundation

/// The endpoint and addressing the command line (`--s3-endpoint`, `--s3-path-style`) or the
/// policy (`[repository] s3-endpoint`, `s3-path-style`) chose for the buckets a command opens.
/// Chosen once when a command starts, like the environment it sits above, so that every layer
/// that opens a repository by its `--repo` text reaches the same service.
public struct S3Access: Sendable, Equatable {
    public var endpoint: String?
    public var pathStyle: Bool

    public init(endpoint: String? = nil, pathStyle: Bool = false) {
        self.endpoint = endpoint
        self.pathStyle = pathStyle
    }

    private static let state = NSLock()
    nonisolated(unsafe) private static var current = S3Access()

    /// What this command chose; nothing (the environment decides) until `choose`.
    public static var chosen: S3Access {
        state.lock()
        defer { state.unlock() }
        return current
    }

    public static func choose(_ access: S3Access) {
        state.lock()
        current = access
        state.unlock()
    }
}
