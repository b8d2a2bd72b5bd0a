import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The identity file: `#` comment lines (creation time, the public recipient) and one line
/// `ARKIV-IDENTITY-1-` + base64url(private key). Private files only: mode 0600, refused otherwise.
extension Identity {
    public static let filePrefix = "ARKIV-IDENTITY-1-"

    /// Loads an identity, refusing a file that group or others can read.
    public static func load(path: String) throws(ArchiveError) -> Identity {
        // O_NONBLOCK: a named pipe given by mistake must not hang the command.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw .io(path: path, operation: "open identity file", errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io(path: path, operation: "stat identity file", errno: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw .invalidIdentity(path: path, detail: status.st_mode & S_IFMT == S_IFDIR
                ? "it is a directory; give the identity file itself (arkiv keygen --output FILE made it)"
                : "it is not a regular file (a pipe, socket or device); give the identity file itself")
        }
        guard status.st_mode & 0o077 == 0 else { throw .insecureIdentityFile(path: path, mode: UInt32(status.st_mode)) }
        guard status.st_size <= 64 << 10 else { throw .invalidIdentity(path: path, detail: "file is larger than 64 KiB") }

        var contents = try FileIO.readToEnd(descriptor, path: path, limit: 64 << 10)
        defer { contents.withMutableBytes { Wipe.cleanse($0) } }
        return try parse(contents, path: path)
    }

    static func parse(_ contents: [UInt8], path: String) throws(ArchiveError) -> Identity {
        let prefix = Array(filePrefix.utf8)
        var keys: [SecureBytes] = []
        for line in contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            var line = line
            while let last = line.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
                line = line.dropLast()
            }
            while let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { line = line.dropFirst() }
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            guard line.starts(with: prefix) else {
                throw .invalidIdentity(path: path, detail: "unexpected line (expected '#' comments and one \(filePrefix) line)")
            }
            guard var key = Base64URL.decode(utf8: line.dropFirst(prefix.count)), key.count == X25519.keyLength else {
                throw .invalidIdentity(path: path, detail: "the \(filePrefix) line does not encode a 32-byte key")
            }
            keys.append(SecureBytes(consuming: &key))
        }
        guard keys.count == 1, let key = keys.first else {
            throw .invalidIdentity(path: path, detail: "expected exactly one \(filePrefix) line, found \(keys.count)")
        }
        return try Identity(privateKey: key, source: path)
    }

    /// The file's text as bytes (kept out of `String`, which cannot be wiped).
    func fileContents(createdAt date: Date) -> [UInt8] {
        let formatter = ISO8601DateFormatter()
        var text = Array("# arkiv identity (X25519 private key): keep secret, keep a copy offline\n".utf8)
        text += Array("# created: \(formatter.string(from: date))\n".utf8)
        text += Array("# key id: \(keyID)\n".utf8)
        text += Array("# recipient: \(recipient)\n".utf8)
        text += Array(Self.filePrefix.utf8)
        text += privateKey.withUnsafeBytes { Base64URL.encodeUTF8($0) }
        text.append(UInt8(ascii: "\n"))
        return text
    }

    /// Creates `path` (which must not exist) with mode 0600, writes the identity and fsyncs it.
    public func write(to path: String, createdAt date: Date = Date()) throws(ArchiveError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io(path: path, operation: "create identity file", errno: errno) }
        var contents = fileContents(createdAt: date)
        defer { contents.withMutableBytes { Wipe.cleanse($0) } }
        do throws(ArchiveError) {
            // umask may have narrowed the mode; it can only be stricter, but make it exactly 0600.
            guard fchmod(descriptor, 0o600) == 0 else { throw .io(path: path, operation: "chmod identity file", errno: errno) }
            try contents.withBytes { (bytes) throws(ArchiveError) in try FileIO.writeAll(descriptor, bytes, path: path) }
            guard fsync(descriptor) == 0 else { throw .io(path: path, operation: "fsync identity file", errno: errno) }
        } catch {
            close(descriptor)
            unlink(path)
            throw error
        }
        guard close(descriptor) == 0 else { throw .io(path: path, operation: "close identity file", errno: errno) }
    }
}
