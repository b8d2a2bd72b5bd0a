#if canImport(Glibc)
import Glibc
#endif

/// Where an archive's bytes are read from, by offset: a local file, or an object read in ranges.
/// Shared by every reader of the file, from several threads at once.
public protocol ArchiveInput: AnyObject, Sendable {
    var size: UInt64 { get }
    /// Up to `buffer.count` bytes at `offset`; fewer only at the end. Returns the count read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(ArchiveError) -> Int
}

/// A local file, read with `pread` (never through a link).
final class FileInput: ArchiveInput, @unchecked Sendable {
    let path: String
    let descriptor: Int32
    let size: UInt64

    init(path: String) throws(ArchiveError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw .io(path: path, operation: "open archive", errno: errno) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            throw .io(path: path, operation: "stat archive", errno: code)
        }
        self.path = path
        self.descriptor = descriptor
        size = UInt64(status.st_size)
    }

    deinit { close(descriptor) }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(ArchiveError) -> Int {
        try FileIO.read(descriptor, into: buffer, at: offset, path: path)
    }
}
