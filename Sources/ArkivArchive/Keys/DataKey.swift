/// The random 256-bit key of one backup set. Every archive file of the set derives its own subkey
/// from it; it is stored only wrapped (for recipients and/or a passphrase).
public struct DataKey: Sendable, CustomStringConvertible {
    public static let length = 32
    public let secret: SecureBytes

    public init(_ secret: SecureBytes) throws(ArchiveError) {
        guard secret.count == Self.length else { throw .invalidUse("a data key is 32 bytes, not \(secret.count)") }
        self.secret = secret
    }

    public static func generate() throws(ArchiveError) -> DataKey {
        try DataKey(SecureRandom.secureBytes(length))
    }

    public var description: String { "DataKey(redacted)" }
}
