import Foundation

/// A backup set's data key sealed for one recipient or for a passphrase, as stored (JSON) in the
/// manifest. Binary fields are standard base64 (RFC 4648 §4, padded).
public struct WrappedKey: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case x25519
        case scrypt
    }

    public let type: Kind
    /// x25519: the recipient's key id (16 hex characters).
    public let keyId: String?
    /// x25519: the ephemeral public key, base64.
    public let ephemeralPublicKey: String?
    /// scrypt: the 16-byte salt, base64, and the cost parameters.
    public let salt: String?
    public let logN: UInt8?
    public let r: UInt32?
    public let p: UInt32?
    /// AES-256-GCM(wrap key, data key) with the tag appended, base64 (48 bytes decoded).
    public let sealed: String

    init(recipient keyID: KeyID, ephemeralPublicKey: [UInt8], sealed: [UInt8]) {
        type = .x25519
        keyId = keyID.description
        self.ephemeralPublicKey = Data(ephemeralPublicKey).base64EncodedString()
        salt = nil
        logN = nil
        r = nil
        p = nil
        self.sealed = Data(sealed).base64EncodedString()
    }

    init(salt: [UInt8], parameters: KeyWrap.ScryptParameters, sealed: [UInt8]) {
        type = .scrypt
        keyId = nil
        ephemeralPublicKey = nil
        self.salt = Data(salt).base64EncodedString()
        logN = parameters.logN
        r = parameters.r
        p = parameters.p
        self.sealed = Data(sealed).base64EncodedString()
    }

    func sealedBytes() throws(ArchiveError) -> [UInt8] {
        try Self.decode(sealed, "sealed", length: DataKey.length + AESGCM.tagLength)
    }

    static func decode(_ field: String?, _ name: String, length: Int) throws(ArchiveError) -> [UInt8] {
        guard let field, let data = Data(base64Encoded: field), data.count == length else {
            throw .invalidWrappedKey(detail: "field '\(name)' is missing or is not \(length) base64-encoded bytes")
        }
        return Array(data)
    }
}
