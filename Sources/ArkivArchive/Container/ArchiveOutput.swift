#if canImport(Glibc)
import Glibc
#endif

/// Where an archive's bytes go, strictly in order: a local file, or an object-storage upload.
/// `ArchiveWriter` only ever appends, so anything that takes a stream will do.
public protocol ArchiveOutput: AnyObject {
    func append(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError)
    /// Makes what was appended durable where that means something (fsync of a file).
    func sync() throws(ArchiveError)
}

/// A file open for writing at offset 0: written with write-behind, fsync'd by `sync`.
public final class FileOutput: ArchiveOutput {
    public let descriptor: Int32
    private let path: String
    private var offset: UInt64 = 0
    private var writeBehind = WriteBehind()

    public init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        try FileIO.writeAll(descriptor, bytes, path: path)
        offset += UInt64(bytes.count)
        writeBehind.written(upTo: offset, descriptor: descriptor)
    }

    public func sync() throws(ArchiveError) {
        guard fsync(descriptor) == 0 else { throw .io(path: path, operation: "fsync", errno: errno) }
    }
}
