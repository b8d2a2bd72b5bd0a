/// An X25519 public key that backups are encrypted to.
///
/// Text form: `arkiv1pub-` + base64url (no padding) of the 32-byte key followed by a 4-byte
/// checksum, the first bytes of SHA-256("arkiv recipient" ‖ key): 48 characters after the
/// prefix. A recipient with one wrong or missing character is refused instead of becoming a
/// valid but unknown key whose backups nobody could ever open. The older form without the
/// checksum (43 characters) is still read, with `isUnchecked` set so callers say to re-copy it.
public struct Recipient: Hashable, Sendable, CustomStringConvertible {
    public static let prefix = "arkiv1pub-"
    static let checksumLength = 4
    public let publicKey: [UInt8]
    public let keyID: KeyID
    /// Read from the older text form, which has no checksum: a typo in it cannot be detected.
    public let isUnchecked: Bool

    public init(publicKey: [UInt8]) throws(ArchiveError) {
        try self.init(publicKey: publicKey, unchecked: false)
    }

    private init(publicKey: [UInt8], unchecked: Bool) throws(ArchiveError) {
        guard publicKey.count == X25519.keyLength else {
            throw .invalidRecipient("public key must be 32 bytes, not \(publicKey.count)")
        }
        self.publicKey = publicKey
        keyID = try KeyID(publicKey: publicKey)
        isUnchecked = unchecked
    }

    /// Parses the text form. Errors never echo the text: a private key pasted by mistake must
    /// not end up in a log.
    public init(_ text: String) throws(ArchiveError) {
        let trimmed = text.trimmingWhitespace
        guard trimmed.hasPrefix(Self.prefix) else {
            if trimmed.hasPrefix(Identity.filePrefix) {
                throw .invalidRecipient("this is an identity (a private key), not a recipient; give its recipient, from `arkiv recipient IDENTITY-FILE`, and keep the identity off this host")
            }
            throw .invalidRecipient("a recipient starts with \(Self.prefix) (this text of \(trimmed.count) characters does not)")
        }
        let body = trimmed.dropFirst(Self.prefix.count)
        guard let bytes = Base64URL.decode(body) else {
            throw .invalidRecipient("\(Self.prefix)… holds a character that is not base64url: it was mistyped; copy it again from `arkiv keygen` or `arkiv recipient`")
        }
        switch bytes.count {
        case X25519.keyLength:
            try self.init(publicKey: bytes, unchecked: true)
        case X25519.keyLength + Self.checksumLength:
            let key = Array(bytes.prefix(X25519.keyLength))
            guard Array(bytes.suffix(Self.checksumLength)) == (try Self.checksum(key)) else {
                throw .invalidRecipient("\(Self.prefix)\(body.prefix(6))…: its checksum does not match, so a character was mistyped, lost or added; copy it again from `arkiv keygen` or `arkiv recipient` (nothing was written)")
            }
            try self.init(publicKey: key, unchecked: false)
        default:
            throw .invalidRecipient("\(Self.prefix)\(body.prefix(6))… is \(body.count) characters long, not 48: it was cut or mistyped; copy it again from `arkiv keygen` or `arkiv recipient`")
        }
    }

    static func checksum(_ key: [UInt8]) throws(ArchiveError) -> [UInt8] {
        Array(try SHA256.hash(Array("arkiv recipient".utf8) + key).prefix(checksumLength))
    }

    /// The checked text form (what `keygen` and `recipient` print).
    public var description: String {
        Self.prefix + Base64URL.encode(publicKey + ((try? Self.checksum(publicKey)) ?? []))
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        let start = firstIndex { !isSpace($0) } ?? endIndex
        let end = lastIndex { !isSpace($0) }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
