/// The first 8 bytes of SHA-256(public key), shown as 16 lowercase hex characters: names a recipient
/// in wrapped keys and error messages without revealing anything secret.
public struct KeyID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    init(publicKey: [UInt8]) throws(ArchiveError) {
        bytes = Array(try SHA256.hash(publicKey).prefix(8))
    }

    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == 8 else { return nil }
        self.bytes = bytes
    }

    public var description: String { Hex.encode(bytes) }
}
