#if canImport(Glibc)
import Glibc
#endif

/// Whole-buffer reads and writes over file descriptors, retrying short transfers and EINTR.
enum FileIO {
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(ArchiveError) {
        var done = 0
        while done < bytes.count {
            let result = write(descriptor, bytes.baseOrDummy + done, bytes.count - done)
            if result < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", errno: errno)
            }
            done += result
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at end of file. Returns the count read.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, path: String) throws(ArchiveError) -> Int {
        var done = 0
        while done < buffer.count {
            guard let base = buffer.baseAddress else { return 0 }
            let result = pread(descriptor, base + done, buffer.count - done, off_t(offset) + off_t(done))
            if result < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read at offset \(offset)", errno: errno)
            }
            if result == 0 { break }
            done += result
        }
        return done
    }

    static func readToEnd(_ descriptor: Int32, path: String, limit: Int) throws(ArchiveError) -> [UInt8] {
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try chunk.withMutableBytes { (buffer) throws(ArchiveError) -> Int in
                try read(descriptor, into: buffer, at: UInt64(contents.count), path: path)
            }
            contents += chunk.prefix(count)
            guard contents.count <= limit else { throw .io(path: path, operation: "read (larger than \(limit) bytes)", errno: EFBIG) }
            if count < chunk.count { break }
        }
        chunk.withMutableBytes { Wipe.cleanse($0) }
        return contents
    }
}

/// Starts kernel write-back of a written file range without waiting for it (Linux
/// `sync_file_range(SYNC_FILE_RANGE_WRITE)`), so that a final `fsync` finds little left to do: the
/// device writes while the writer keeps compressing instead of all at once at the end. Advisory only
/// (durability still comes from `fsync`): where it is unavailable or refused it turns itself off.
struct WriteBehind {
    /// Bytes written between two calls: large enough that the call is cheap, small enough that the
    /// device stays busy.
    static let window: UInt64 = 8 << 20

    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    /// Glibc declares `sync_file_range` only under _GNU_SOURCE, which Swift's Glibc module lacks.
    private static let syncFileRange: SyncFileRange? = {
        #if os(Linux)
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: SyncFileRange.self)
        #else
        return nil
        #endif
    }()
    /// SYNC_FILE_RANGE_WRITE from <fcntl.h>.
    private static let startWrite: UInt32 = 2

    private var started: UInt64 = 0
    private var enabled = WriteBehind.syncFileRange != nil

    /// Called after each write with the file's new length; starts write-back once a window has filled.
    mutating func written(upTo end: UInt64, descriptor: Int32) {
        guard enabled, end - started >= Self.window, let syncFileRange = Self.syncFileRange else { return }
        if syncFileRange(descriptor, Int64(started), Int64(end - started), Self.startWrite) != 0 {
            // Not a regular file (a pipe: ESPIPE), or a file system that refuses: fsync alone then.
            enabled = false
            return
        }
        started = end
    }
}
