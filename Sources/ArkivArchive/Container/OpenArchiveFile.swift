#if canImport(Glibc)
import Glibc
#endif

/// An archive file opened for reading: descriptor, validated header, and the keys chunk records are
/// opened with. Immutable and shared by every reader of the file; `pread` makes concurrent use safe.
final class OpenArchiveFile: @unchecked Sendable {
    let path: String
    let descriptor: Int32
    let size: UInt64
    let header: ArchiveHeader
    let headerDigest: [UInt8]
    let subkey: SecureBytes?

    init(path: String, dataKey: DataKey?) throws(ArchiveError) {
        // Never through a link: a set's files are its own (a planted link could point anywhere).
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw .io(path: path, operation: "open archive", errno: errno) }
        do throws(ArchiveError) {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { throw .io(path: path, operation: "stat archive", errno: errno) }
            let size = UInt64(status.st_size)
            let header = try ArchiveHeader.read(from: descriptor, path: path, fileSize: size)
            switch (header.cipher, dataKey) {
            case (.aes256GCM, nil):
                throw .dataKeyRequired(file: path)
            case (.none, .some):
                // A set made with encryption has no plaintext files: this one was replaced.
                throw .malformedHeader(file: path, detail: "the file is not encrypted, but its backup set is")
            case (.aes256GCM, .some(let key)):
                subkey = try ChunkProtection.fileSubkey(dataKey: key, header: header)
            case (.none, nil):
                subkey = nil
            }
            self.path = path
            self.descriptor = descriptor
            self.size = size
            self.header = header
            headerDigest = try SHA256.hash(header.bytes)
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit {
        close(descriptor)
    }

    var headerLength: UInt64 { UInt64(header.bytes.count) }
}
