/// An X25519 public key that backups are encrypted to. Text form: `arkiv1pub-` + base64url (no
/// padding) of the 32-byte key.
public struct Recipient: Hashable, Sendable, CustomStringConvertible {
    public static let prefix = "arkiv1pub-"
    public let publicKey: [UInt8]
    public let keyID: KeyID

    public init(publicKey: [UInt8]) throws(ArchiveError) {
        guard publicKey.count == X25519.keyLength else {
            throw .invalidRecipient("public key must be 32 bytes, not \(publicKey.count)")
        }
        self.publicKey = publicKey
        keyID = try KeyID(publicKey: publicKey)
    }

    public init(_ text: String) throws(ArchiveError) {
        let trimmed = text.trimmingWhitespace
        guard trimmed.hasPrefix(Self.prefix) else { throw .invalidRecipient("'\(trimmed.prefix(24))' lacks the prefix \(Self.prefix)") }
        guard let key = Base64URL.decode(trimmed.dropFirst(Self.prefix.count)), key.count == X25519.keyLength else {
            throw .invalidRecipient("'\(trimmed.prefix(60))' does not encode a 32-byte key")
        }
        try self.init(publicKey: key)
    }

    public var description: String { Self.prefix + Base64URL.encode(publicKey) }
}

extension String {
    var trimmingWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        let start = firstIndex { !isSpace($0) } ?? endIndex
        let end = lastIndex { !isSpace($0) }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
