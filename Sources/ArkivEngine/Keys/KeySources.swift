import ArkivArchive
import Foundation

/// Where keys come from on the command line and in policies: recipients as strings or files,
/// identities as files, a passphrase from a file or an environment variable, never from argv.
public enum KeySources {
    public enum KeyError: Error, CustomStringConvertible, Equatable {
        case unreadable(String, String)
        case emptyPassphrase(String)
        case noRecipients
        /// A line of a recipients file that is not a recipient (never echoed: it may be a key).
        case badRecipientLine(file: String, line: Int, reason: String)
        case insecurePassphraseFile(String, mode: UInt32)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
            case .badRecipientLine(let file, let line, let reason): "\(file):\(line): \(reason)"
            case .insecurePassphraseFile(let path, let mode):
                "passphrase file \(path) can be read by others (mode \(String(mode & 0o777, radix: 8))): chmod 600 \(path); a passphrase is as secret as an identity"
            case .emptyPassphrase(let source): "the passphrase from \(source) is empty"
            case .noRecipients:
                "no recipient given: pass --recipient arkiv1pub-… (see `arkiv keygen`), --recipients-file, "
                    + "--passphrase-file, or --no-encryption to store the backup unencrypted"
            }
        }
    }

    /// Recipient strings plus those in files (one per line; `#` comments and blank lines ignored).
    public static func recipients(strings: [String], files: [String]) throws -> [Recipient] {
        var recipients = try strings.map { try Recipient($0) }
        for file in files {
            let text = String(decoding: try readKeyFile(file, limit: 1 << 20), as: UTF8.self)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                do { recipients.append(try Recipient(trimmed)) } catch {
                    throw KeyError.badRecipientLine(file: file, line: number + 1, reason: error.description)
                }
            }
        }
        // The same key twice would wrap the data key twice for nothing.
        var seen = Set<KeyID>()
        return recipients.filter { seen.insert($0.keyID).inserted }
    }

    /// A passphrase from a file or an environment variable, by one rule for both: the text up to
    /// the first line ending (LF or CR), which is never part of it. (Sets made before this rule
    /// from a variable whose value ended in a line ending still open: KeyWrap tries that form.)
    /// A file others can read is refused, like an identity file.
    public static func passphrase(file: String?, environmentVariable: String?) throws -> SecureBytes? {
        var bytes: [UInt8]
        let source: String
        if let file {
            bytes = try readKeyFile(file, limit: 64 << 10, privateOnly: true)
            source = file
        } else if let variable = environmentVariable {
            bytes = Array((ProcessInfo.processInfo.environment[variable] ?? "").utf8)
            source = "environment variable \(variable)"
        } else {
            return nil
        }
        if let end = bytes.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
            for index in end..<bytes.count { bytes[index] = 0 }
            bytes.removeSubrange(end...)
        }
        guard !bytes.isEmpty else { throw KeyError.emptyPassphrase(source) }
        return SecureBytes(consuming: &bytes)
    }

    /// A key file's bytes: a regular file (not a directory, a pipe or a device), at most `limit`
    /// bytes, and with `privateOnly` one that group and others cannot read.
    static func readKeyFile(_ path: String, limit: Int, privateOnly: Bool = false) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw KeyError.unreadable(path, String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw KeyError.unreadable(path, String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            let kind = status.st_mode & S_IFMT == S_IFDIR ? "a directory" : "not a regular file (a pipe, socket or device)"
            throw KeyError.unreadable(path, "it is \(kind); give the file itself")
        }
        if privateOnly && status.st_mode & 0o077 != 0 { throw KeyError.insecurePassphraseFile(path, mode: UInt32(status.st_mode)) }
        guard status.st_size <= limit else { throw KeyError.unreadable(path, "larger than \(limit) bytes: not a key file") }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { return 0 }
                return read(descriptor, base + offset, buffer.count - offset)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            offset += count
        }
        return Array(bytes[0..<offset])
    }

    public static func identities(files: [String]) throws -> [Identity] {
        try files.map { try Identity.load(path: $0) }
    }
}
