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
