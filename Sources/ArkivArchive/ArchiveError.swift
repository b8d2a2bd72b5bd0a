/// Every failure of the archive layer. Each case names the file, the member and the byte offset
/// where they are known, says what is wrong, and (in `description`) what to do.
public enum ArchiveError: Error, Equatable, Sendable, CustomStringConvertible {
    // Reading an archive file.
    case badMagic(file: String)
    case unsupportedVersion(file: String, found: UInt16, supported: UInt16)
    case malformedHeader(file: String, detail: String)
    case truncated(file: String, offset: UInt64, detail: String)
    case authenticationFailed(file: String, member: String, offset: UInt64)
    case corruptChunk(file: String, member: String, offset: UInt64, detail: String)
    case indexMismatch(file: String, member: String, detail: String)
    /// A valid archive that is not the one the manifest lists (another set's, or another schema's).
    case foreignFile(file: String, detail: String)
    case dataKeyRequired(file: String)

    // The manifest.
    case invalidManifest(file: String, detail: String)
    case manifestAuthenticationFailed(file: String)

    // Keys, recipients, identities.
    case notARecipient(encryptedTo: [String], passphraseWrapped: Bool, given: [String])
    case invalidRecipient(String)
    case invalidIdentity(path: String, detail: String)
    case insecureIdentityFile(path: String, mode: UInt32)
    case invalidWrappedKey(detail: String)

    // The machinery underneath.
    case io(path: String, operation: String, errno: Int32)
    case crypto(operation: String, detail: String)
    case compression(detail: String)
    /// The API was used in a way it does not allow (unknown member, name too long, finished writer).
    case invalidUse(String)

    public var description: String {
        switch self {
        case .badMagic(let file):
            "\(file): not an arkiv archive (bad magic at offset 0)"
        case .unsupportedVersion(let file, let found, let supported):
            "\(file): archive format version \(found) is not supported (this arkiv reads version \(supported)); "
                + (found > supported ? "use a newer arkiv" : "the header is damaged")
        case .malformedHeader(let file, let detail):
            "\(file): malformed header: \(detail)"
        case .truncated(let file, let offset, let detail):
            "\(file): truncated at offset \(offset): \(detail)"
        case .authenticationFailed(let file, let member, let offset):
            "\(file): chunk of member '\(member)' at offset \(offset) failed authentication: "
                + "the file was modified or damaged, or the data key is wrong"
        case .corruptChunk(let file, let member, let offset, let detail):
            "\(file): member '\(member)', chunk at offset \(offset): \(detail)"
        case .indexMismatch(let file, let member, let detail):
            "\(file): member '\(member)' does not match the index: \(detail)"
        case .foreignFile(let file, let detail):
            "\(file): this archive does not belong here: \(detail); it was copied or renamed into the set folder"
        case .dataKeyRequired(let file):
            "\(file): the archive is encrypted; an identity or passphrase is needed to read it"
        case .invalidManifest(let file, let detail):
            "\(file): not a valid arkiv manifest: \(detail)"
        case .manifestAuthenticationFailed(let file):
            "\(file): the manifest failed authentication: it was edited or damaged after the backup "
                + "(or belongs to another set); do not trust this set's counts and checksums"
        case .notARecipient(let encryptedTo, let passphraseWrapped, let given):
            Self.notARecipientMessage(encryptedTo: encryptedTo, passphraseWrapped: passphraseWrapped, given: given)
        case .invalidRecipient(let detail):
            "invalid recipient: \(detail) (expected arkiv1pub- followed by 43 base64url characters)"
        case .invalidIdentity(let path, let detail):
            "\(path): not a valid arkiv identity file: \(detail)"
        case .insecureIdentityFile(let path, let mode):
            "\(path): identity file is readable by group or others (mode \(String(mode & 0o777, radix: 8))); "
                + "run: chmod 600 \(path)"
        case .invalidWrappedKey(let detail):
            "invalid wrapped key: \(detail)"
        case .io(let path, let operation, let errno):
            "\(path): \(operation) failed: \(Self.systemMessage(errno))"
        case .crypto(let operation, let detail):
            "cryptographic operation \(operation) failed: \(detail)"
        case .compression(let detail):
            "compression failed: \(detail)"
        case .invalidUse(let detail):
            "invalid use of the archive API: \(detail)"
        }
    }

    private static func notARecipientMessage(encryptedTo: [String], passphraseWrapped: Bool, given: [String]) -> String {
        var targets = encryptedTo.isEmpty ? "" : (encryptedTo.count == 1 ? "key " : "keys ") + encryptedTo.joined(separator: ", ")
        if passphraseWrapped { targets += targets.isEmpty ? "a passphrase" : " and a passphrase" }
        let tried = given.isEmpty ? "no identity or passphrase was given" : given.joined(separator: "; ") + ": not a recipient"
        var fix = "Use the identity file whose key id is "
        fix += encryptedTo.count == 1 ? "\(encryptedTo[0])" : "one of those"
        if passphraseWrapped { fix += ", or --passphrase-file" }
        if encryptedTo.isEmpty { fix = "Use --passphrase-file with the passphrase the backup was made with" }
        return "backup set is encrypted to \(targets); \(tried). \(fix)."
    }

    private static func systemMessage(_ code: Int32) -> String {
        if code == ENOSPC || code == EDQUOT {
            return "disk full (errno \(code)): free space on that filesystem or point --repo elsewhere; nothing partial is kept"
        }
        guard let message = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: message)) (errno \(code))"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
