import Foundation

/// Where a repository's objects live: a local directory or an S3 bucket. Small and sharp, after
/// restic's backend: objects are named by `/`-separated relative names, written whole (or
/// streamed through an upload that becomes visible only when finished), read whole or by range,
/// listed by prefix, stat'ed and deleted. What a set, a lock or a lease *is* lives above this.
///
/// Every method may be called from several threads at once.
public protocol Storage: Sendable {
    /// For people: `/var/backups/arkiv` or `s3://bucket/prefix`.
    var location: String { get }
    /// The object's size, or nil when there is none of that name.
    func stat(_ name: String) throws(StorageError) -> ObjectInfo?
    /// Every object whose name starts with `prefix`, sorted by name.
    func list(prefix: String) throws(StorageError) -> [ObjectInfo]
    /// The whole object, or `range` of it (end exclusive), in memory: for manifests and records.
    func read(_ name: String, range: Range<UInt64>?) throws(StorageError) -> Data
    /// The whole object, handed to `sink` piece by piece in order (bounded memory).
    func read(_ name: String, into sink: (UnsafeRawBufferPointer) throws -> Void) throws(StorageError)
    /// Writes an object atomically: readers see the old one, or none, or the whole new one. With
    /// `ifAbsent`, refused (`alreadyExists`) when the name is taken, decided by the storage
    /// itself (O_EXCL, or S3's `If-None-Match: *`), so two writers never both win.
    func save(_ name: String, data: Data, ifAbsent: Bool) throws(StorageError)
    /// A large object written piece by piece; it exists only once `finish` returns.
    func upload(_ name: String) throws(StorageError) -> any StorageUpload
    /// Removes an object; removing one that is not there is not an error.
    func delete(_ name: String) throws(StorageError)
    /// Top-level folders, which a directory has whether or not an object is in them (a set folder
    /// a backup made and died in, or that holds only partial files). A bucket has none: a prefix
    /// exists only through its objects, which `list` gives.
    func topLevelFolders() throws(StorageError) -> [String]
}

/// An object being written: pieces in order, then `finish`, or `abort` (nothing stays behind).
public protocol StorageUpload: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError)
    func finish() throws(StorageError)
    func abort()
}

public struct ObjectInfo: Sendable, Equatable {
    public let name: String
    public let size: UInt64
    /// When it was last written, where the storage says (`stat` of a file, `Last-Modified`).
    public let modified: Date?

    public init(name: String, size: UInt64, modified: Date? = nil) {
        self.name = name
        self.size = size
        self.modified = modified
    }
}

/// What storage can say went wrong, each naming the object; `isTransient` tells retries apart.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(String)
    case alreadyExists(String)
    /// The credentials are refused or lack the right (HTTP 403, EACCES).
    case permission(String, detail: String)
    /// A service answer that is not success: HTTP status, its error code and message.
    case service(String, status: Int, code: String, message: String)
    /// The service could not be reached or kept failing (after the retries).
    case unreachable(String, detail: String)
    case io(String, operation: String, errno: Int32)
    /// A name arkiv would never write (`..`, a leading `/`).
    case invalidName(String)
    case misconfigured(String)
    /// Whoever took the object's bytes failed (a checksum, a local write): its own words.
    case consumer(String, message: String)

    public var description: String {
        switch self {
        case .notFound(let name): "\(name) does not exist"
        case .alreadyExists(let name): "\(name) already exists"
        case .permission(let name, let detail): "\(name): access denied (\(detail))"
        case .service(let name, let status, let code, let message):
            "\(name): the storage service answered HTTP \(status) \(code)" + (message.isEmpty ? "" : ": \(message)")
        case .unreachable(let name, let detail): "\(name): the storage service could not be reached (\(detail))"
        case .io(let name, let operation, let code): RepositoryError.io(operation: operation, path: name, errno: code).description
        case .invalidName(let name): "\(name.debugDescription) is not a name arkiv writes in a repository"
        case .misconfigured(let problem): problem
        case .consumer(let name, let message): "\(name): \(message)"
        }
    }
}

extension Storage {
    public func topLevelFolders() throws(StorageError) -> [String] { [] }

    /// The whole object in memory.
    public func read(_ name: String) throws(StorageError) -> Data { try read(name, range: nil) }

    /// Checks a relative object name: `/`-separated, no empty, `.` or `..` part.
    static func checkName(_ name: String) throws(StorageError) {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }), !name.contains("\0") else {
            throw .invalidName(name)
        }
    }
}

/// `--repo` as given: a directory, or `s3://bucket/prefix`.
public enum RepositoryLocation: Sendable, Equatable {
    case local(String)
    case s3(bucket: String, prefix: String)

    public init(_ text: String) throws(StorageError) {
        guard text.hasPrefix("s3://") else {
            self = .local(text)
            return
        }
        let rest = text.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        let prefix = rest.dropFirst(bucket.count).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !bucket.isEmpty, bucket.range(of: #"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"#, options: .regularExpression) != nil else {
            throw .misconfigured("\(text): not an S3 repository: give s3://BUCKET/PREFIX (a bucket name of 3–63 lowercase letters, digits, dots and dashes)")
        }
        self = .s3(bucket: bucket, prefix: prefix)
    }
}

extension StorageError {
    /// Worth running again later: the service could not be reached, or still answered 5xx or
    /// `SlowDown` when the retries ran out. Anything else (a refusal, a missing bucket, a wrong
    /// name, a full disk) fails the same way until someone changes something.
    public var isTransient: Bool {
        switch self {
        case .unreachable: true
        case .service(_, let status, let code, _): RetryPolicy.isTransient(status: status, code: code)
        default: false
        }
    }
}
