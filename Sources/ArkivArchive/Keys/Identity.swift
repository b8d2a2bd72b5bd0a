/// An X25519 private key: what restore and full verification need to unwrap a backup set's data key.
/// Its description shows the key id and where it came from, never the key.
public struct Identity: Sendable, CustomStringConvertible {
    public let privateKey: SecureBytes
    public let recipient: Recipient
    /// The file it was loaded from, for error messages ("identity /x/y has key …").
    public let source: String?

    public init(privateKey: SecureBytes, source: String? = nil) throws(ArchiveError) {
        guard privateKey.count == X25519.keyLength else {
            throw .invalidIdentity(path: source ?? "identity", detail: "private key must be 32 bytes")
        }
        self.privateKey = privateKey
        recipient = try Recipient(publicKey: X25519.publicKey(for: privateKey))
        self.source = source
    }

    public static func generate() throws(ArchiveError) -> Identity {
        try Identity(privateKey: X25519.generatePrivateKey())
    }

    public var keyID: KeyID { recipient.keyID }

    public var description: String {
        source.map { "identity \($0) (key \(keyID))" } ?? "identity with key \(keyID)"
    }
}
