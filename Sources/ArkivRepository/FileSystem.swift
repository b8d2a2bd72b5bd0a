import Foundation

/// The few POSIX calls the repository makes, each turning errno into a `RepositoryError`.
///
/// Foundation's file APIs hide fsync and errno; a backup tool needs both: a file is durable only
/// after fsync of itself and of its directory, and "disk full" must be told apart from the rest.
enum FileSystem {
    /// Every open inside a repository: `O_NOFOLLOW`, so a planted symbolic link is refused
    /// (`ELOOP`) instead of followed to a file elsewhere.
    static func openForWriting(_ path: String, exclusive: Bool = true, mode: mode_t = 0o600) throws(RepositoryError) -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (exclusive ? O_EXCL : O_TRUNC)
        let fd = open(path, flags, mode)
        guard fd >= 0 else { throw .io(operation: "create", path: path, errno: errno) }
        return fd
    }

    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(RepositoryError) {
        var offset = 0
        while offset < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let written = Glibc.write(fd, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", path: path, errno: errno)
            }
            offset += written
        }
    }

    static func fsync(_ fd: Int32, path: String) throws(RepositoryError) {
        guard Glibc.fsync(fd) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
    }

    /// Makes a rename or a new file in `directory` durable.
    static func fsyncDirectory(_ directory: String) throws(RepositoryError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open directory", path: directory, errno: errno) }
        defer { close(fd) }
        try fsync(fd, path: directory)
    }

    static func rename(_ from: String, _ to: String) throws(RepositoryError) {
        guard Glibc.rename(from, to) == 0 else { throw .io(operation: "rename to \(to)", path: from, errno: errno) }
    }

    static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(RepositoryError) {
        guard mkdir(path, mode) == 0 else { throw .io(operation: "create directory", path: path, errno: errno) }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// A directory itself, not a symbolic link to one: what the repository may descend into.
    static func isRealDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names in a directory (not `.`/`..`), with the system's reason when it cannot be read.
    static func list(_ directory: String) throws(RepositoryError) -> [String] {
        guard let handle = opendir(directory) else { throw .io(operation: "list", path: directory, errno: errno) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { buffer in
                String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// A small file's bytes, read without following a link, at most `limit` bytes (nil: larger).
    static func readSmall(_ path: String, limit: Int) throws(RepositoryError) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw .io(operation: "read", path: path, errno: errno) }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
            if data.count > limit { return nil }
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func size(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Writes a small file atomically: temporary name, fsync, rename, fsync of the directory.
    /// Readers see the old file or the new one, never a part. `exclusive`: only if the name is
    /// free (link instead of rename), the repository's one create-if-absent. Every record, pin,
    /// lock holder and drill report of a directory is written by this.
    static func writeAtomically(_ data: Data, to path: String, exclusive: Bool = false) throws(RepositoryError) {
        let directory = (path as NSString).deletingLastPathComponent
        // Racing creators may be threads of one process: theirs is per writer.
        let temporary = directory + "/." + (path as NSString).lastPathComponent + ".tmp-\(getpid())"
            + (exclusive ? "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16) : "")
        // Never through a planted link (O_NOFOLLOW), and never into a file that has another name
        // too (a hard link to a file elsewhere): checked before a byte is changed.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .io(operation: "create", path: temporary, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_nlink == 1, ftruncate(fd, 0) == 0 else {
            close(fd)
            throw .io(operation: "create (it exists and is not arkiv's own temporary file)", path: temporary, errno: EEXIST)
        }
        var closed = false
        do throws(RepositoryError) {
            var failure: RepositoryError?
            data.withUnsafeBytes { buffer in
                do throws(RepositoryError) { try write(fd, buffer, path: temporary) } catch { failure = error }
            }
            if let failure { throw failure }
            try fsync(fd, path: temporary)
            close(fd)
            closed = true
            if exclusive {
                // link(2) refuses a name that exists: of two writers exactly one wins, and the
                // winner's file appears whole.
                guard link(temporary, path) == 0 else {
                    let code = errno
                    throw code == EEXIST ? .alreadyExists(path) : .io(operation: "create", path: path, errno: code)
                }
                unlink(temporary)
            } else {
                try rename(temporary, path)
            }
            try fsyncDirectory(directory)
        } catch {
            if !closed { close(fd) }
            unlink(temporary)
            throw error
        }
    }
}
