import Foundation

/// A directory as storage: today's on-disk layout, object name = relative path. Files are
/// written to a temporary name and renamed (fsync'd), opened without following links.
public struct LocalStorage: Storage {
    public let root: String
    public var location: String { root }

    public init(root: String) {
        self.root = (root as NSString).standardizingPath
    }

    /// The object's path; every folder above it must be a plain directory, so no read, stat or
    /// write goes through a link planted inside the repository (O_NOFOLLOW guards only the last
    /// part of a path).
    private func path(_ name: String) throws(StorageError) -> String {
        try Self.checkName(name)
        var directory = root
        for part in name.split(separator: "/").dropLast() {
            directory += "/" + part
            var info = Glibc.stat()
            if lstat(directory, &info) == 0, info.st_mode & S_IFMT != S_IFDIR {
                throw .misconfigured(RepositoryError.notARealDirectory(directory).description)
            }
        }
        return root + "/" + name
    }

    public func stat(_ name: String) throws(StorageError) -> ObjectInfo? {
        var info = Glibc.stat()
        guard lstat(try path(name), &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .io(name, operation: "stat", errno: errno)
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return nil }
        return ObjectInfo(name: name, size: UInt64(info.st_size),
                          modified: Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9))
    }

    public func list(prefix: String) throws(StorageError) -> [ObjectInfo] {
        var found: [ObjectInfo] = []
        // Only plain directories are descended: a link is never followed.
        func walk(_ relative: String) throws(StorageError) {
            let directory = relative.isEmpty ? root : root + "/" + relative
            let names: [String]
            do { names = try FileSystem.list(directory) } catch {
                guard case .io(_, _, let code) = error else { throw .io(directory, operation: "list", errno: EIO) }
                if code == ENOENT || code == ENOTDIR { return }
                throw .io(directory, operation: "list", errno: code)
            }
            for name in names.sorted() {
                let child = relative.isEmpty ? name : relative + "/" + name
                // Prune subtrees that cannot hold a match.
                guard child.hasPrefix(prefix) || prefix.hasPrefix(child + "/") else { continue }
                if FileSystem.isRealDirectory(root + "/" + child) {
                    try walk(child)
                } else if let info = try stat(child), child.hasPrefix(prefix), !name.hasPrefix(".") {
                    found.append(info)
                }
            }
        }
        try walk("")
        return found.sorted { $0.name < $1.name }
    }

    /// Every plain top-level directory, which `list` reports only through the files in it.
    public func topLevelFolders() throws(StorageError) -> [String] {
        let names: [String]
        do { names = try FileSystem.list(root) } catch {
            guard case .io(_, _, let code) = error else { throw .io(root, operation: "list", errno: EIO) }
            throw .io(root, operation: "list", errno: code)
        }
        return names.filter { !$0.hasPrefix(".") && FileSystem.isRealDirectory(root + "/" + $0) }.sorted()
    }

    public func read(_ name: String, range: Range<UInt64>?) throws(StorageError) -> Data {
        var data = Data()
        let fd = try open(name)
        defer { close(fd) }
        if let range {
            var buffer = [UInt8](repeating: 0, count: Int(range.count))
            var done = 0
            while done < buffer.count {
                let count = buffer.withUnsafeMutableBytes { raw in
                    pread(fd, raw.baseAddress.map { $0 + done }, raw.count - done, off_t(range.lowerBound) + off_t(done))
                }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw .io(name, operation: "read", errno: count < 0 ? errno : EIO) }
                done += count
            }
            return Data(buffer)
        }
        try drain(fd, name: name) { data.append(contentsOf: $0) }
        return data
    }

    public func read(_ name: String, into sink: (UnsafeRawBufferPointer) throws -> Void) throws(StorageError) {
        let fd = try open(name)
        defer { close(fd) }
        try drain(fd, name: name, sink)
    }

    public func save(_ name: String, data: Data, ifAbsent: Bool) throws(StorageError) {
        let target = try path(name)
        try makeParents(of: name)
        do throws(RepositoryError) { try FileSystem.writeAtomically(data, to: target, exclusive: ifAbsent) } catch {
            if case .alreadyExists = error { throw .alreadyExists(name) }
            throw Self.converted(error, name)
        }
    }

    public func upload(_ name: String) throws(StorageError) -> any StorageUpload {
        let target = try path(name)
        try makeParents(of: name)
        return try LocalUpload(name: name, target: target)
    }

    public func delete(_ name: String) throws(StorageError) {
        guard unlink(try path(name)) == 0 || errno == ENOENT else { throw .io(name, operation: "remove", errno: errno) }
    }

    private func open(_ name: String) throws(StorageError) -> Int32 {
        let fd = Glibc.open(try path(name), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            if errno == ENOENT { throw .notFound(name) }
            if errno == EACCES || errno == EPERM { throw .permission(name, detail: String(cString: strerror(errno))) }
            throw .io(name, operation: "open", errno: errno)
        }
        return fd
    }

    private func drain(_ fd: Int32, name: String, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws(StorageError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .io(name, operation: "read", errno: errno) }
            if count == 0 { return }
            do { try buffer.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<count])) } } catch {
                throw (error as? StorageError) ?? .consumer(name, message: "\(error)")
            }
        }
    }

    /// The folders above an object, made (0700) where missing; never through a link.
    private func makeParents(of name: String) throws(StorageError) {
        var directory = root
        for part in name.split(separator: "/").dropLast() {
            directory += "/" + part
            if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw .io(directory, operation: "create directory", errno: errno) }
            guard FileSystem.isRealDirectory(directory) else { throw .misconfigured(RepositoryError.notARealDirectory(directory).description) }
        }
    }

    static func converted(_ error: RepositoryError, _ name: String) -> StorageError {
        if case .io(let operation, _, let code) = error { return .io(name, operation: operation, errno: code) }
        return .io(name, operation: "write", errno: EIO)
    }
}

/// A local upload is a set's staged file (`.<name>.partial`, fsync'd, renamed into place).
final class LocalUpload: StorageUpload {
    private let name: String
    private let file: StagedFile

    init(name: String, target: String) throws(StorageError) {
        self.name = name
        do throws(RepositoryError) {
            file = try StagedFile(directory: (target as NSString).deletingLastPathComponent, name: (target as NSString).lastPathComponent,
                                  replacing: true)
        } catch {
            throw LocalStorage.converted(error, name)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        do throws(RepositoryError) { try file.write(bytes) } catch { throw LocalStorage.converted(error, name) }
    }

    func finish() throws(StorageError) {
        do throws(RepositoryError) { try file.commit() } catch {
            file.discard()
            throw LocalStorage.converted(error, name)
        }
    }

    func abort() { file.discard() }
}
