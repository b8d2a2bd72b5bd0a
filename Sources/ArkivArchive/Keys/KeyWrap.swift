/// Wrapping a backup set's data key for X25519 recipients and/or a passphrase, and unwrapping it.
///
/// Every wrap key is fresh (new ephemeral key pair, or new scrypt salt) and used once, so the AES-GCM
/// nonce is fixed at zero.
public enum KeyWrap {
    public struct ScryptParameters: Sendable, Equatable {
        public var logN: UInt8
        public var r: UInt32
        public var p: UInt32

        public init(logN: UInt8 = 17, r: UInt32 = 8, p: UInt32 = 1) {
            self.logN = logN
            self.r = r
            self.p = p
        }

        public static let `default` = ScryptParameters()
    }

    static let x25519Info = Array("arkiv v1 x25519 wrap".utf8)
    static let aadPrefix = Array("arkiv v1 wrap".utf8)
    static let nonce = [UInt8](repeating: 0, count: AESGCM.nonceLength)
    static let saltLength = 16

    /// One wrapped key per recipient, then one for the passphrase if given.
    public static func wrap(
        _ dataKey: DataKey, for recipients: [Recipient], passphrase: SecureBytes? = nil,
        scrypt parameters: ScryptParameters = .default
    ) throws(ArchiveError) -> [WrappedKey] {
        guard !recipients.isEmpty || passphrase != nil else {
            throw .invalidUse("a data key must be wrapped for at least one recipient or a passphrase")
        }
        var wrapped: [WrappedKey] = []
        for recipient in recipients { wrapped.append(try wrap(dataKey, for: recipient)) }
        if let passphrase { wrapped.append(try wrap(dataKey, passphrase: passphrase, parameters: parameters)) }
        return wrapped
    }

    public static func wrap(_ dataKey: DataKey, for recipient: Recipient) throws(ArchiveError) -> WrappedKey {
        let ephemeral = try X25519.generatePrivateKey()
        let ephemeralPublic = try X25519.publicKey(for: ephemeral)
        let shared = try X25519.sharedSecret(privateKey: ephemeral, peerPublicKey: recipient.publicKey)
        let wrapKey = try x25519WrapKey(shared: shared, ephemeralPublic: ephemeralPublic, recipientPublic: recipient.publicKey)
        let sealed = try seal(dataKey, with: wrapKey, aad: aadPrefix + recipient.keyID.bytes)
        return WrappedKey(recipient: recipient.keyID, ephemeralPublicKey: ephemeralPublic, sealed: sealed)
    }

    public static func wrap(
        _ dataKey: DataKey, passphrase: SecureBytes, parameters: ScryptParameters = .default
    ) throws(ArchiveError) -> WrappedKey {
        let salt = try SecureRandom.bytes(saltLength)
        let wrapKey = try Scrypt.derive(passphrase: passphrase, salt: salt, logN: parameters.logN, r: parameters.r, p: parameters.p)
        return WrappedKey(salt: salt, parameters: parameters, sealed: try seal(dataKey, with: wrapKey, aad: aadPrefix))
    }

    /// The data key, from the first identity (or the passphrase) the set was wrapped for. On failure
    /// the error lists the key ids the set is encrypted to and those that were given.
    public static func unwrap(
        _ wrapped: [WrappedKey], identities: [Identity], passphrase: SecureBytes? = nil
    ) throws(ArchiveError) -> DataKey {
        var tried: [String] = []
        for identity in identities {
            for entry in wrapped where entry.type == .x25519 && entry.keyId == identity.keyID.description {
                return try unwrap(entry, identity: identity)
            }
            tried.append("\(identity.source.map { "identity \($0)" } ?? "the identity") has key \(identity.keyID)")
        }
        if let passphrase {
            // Sets made before the one passphrase rule (KeySources) from an environment variable
            // kept its trailing line ending: those forms are tried after the passphrase itself.
            for candidate in [passphrase, passphrase.appending([0x0A]), passphrase.appending([0x0D, 0x0A])] {
                for entry in wrapped where entry.type == .scrypt {
                    if let key = try unwrap(entry, passphrase: candidate) { return key }
                }
            }
            tried.append(wrapped.contains { $0.type == .scrypt } ? "the passphrase does not match" : "a passphrase was given")
        }
        throw .notARecipient(
            encryptedTo: wrapped.compactMap { $0.type == .x25519 ? $0.keyId : nil },
            passphraseWrapped: wrapped.contains { $0.type == .scrypt }, given: tried)
    }

    static func unwrap(_ entry: WrappedKey, identity: Identity) throws(ArchiveError) -> DataKey {
        let ephemeralPublic = try WrappedKey.decode(entry.ephemeralPublicKey, "ephemeralPublicKey", length: X25519.keyLength)
        let shared = try X25519.sharedSecret(privateKey: identity.privateKey, peerPublicKey: ephemeralPublic)
        let wrapKey = try x25519WrapKey(shared: shared, ephemeralPublic: ephemeralPublic, recipientPublic: identity.recipient.publicKey)
        guard let key = try AESGCM.open(entry.sealedBytes(), key: wrapKey, nonce: nonce, aad: aadPrefix + identity.keyID.bytes) else {
            throw .invalidWrappedKey(detail: "the data key wrapped for key \(identity.keyID) does not authenticate: the manifest is damaged or was modified")
        }
        return try DataKey(key)
    }

    /// nil when the passphrase is wrong (indistinguishable from a modified entry, by design of AEAD).
    static func unwrap(_ entry: WrappedKey, passphrase: SecureBytes) throws(ArchiveError) -> DataKey? {
        guard let logN = entry.logN, let r = entry.r, let p = entry.p else {
            throw .invalidWrappedKey(detail: "scrypt entry lacks logN, r or p")
        }
        let salt = try WrappedKey.decode(entry.salt, "salt", length: saltLength)
        let wrapKey = try Scrypt.derive(passphrase: passphrase, salt: salt, logN: logN, r: r, p: p)
        return try AESGCM.open(entry.sealedBytes(), key: wrapKey, nonce: nonce, aad: aadPrefix).map { (key) throws(ArchiveError) in try DataKey(key) }
    }

    private static func x25519WrapKey(shared: SecureBytes, ephemeralPublic: [UInt8], recipientPublic: [UInt8]) throws(ArchiveError) -> SecureBytes {
        try HKDF.sha256(ikm: shared, salt: ephemeralPublic + recipientPublic, info: x25519Info, length: AESGCM.keyLength)
    }

    private static func seal(_ dataKey: DataKey, with wrapKey: SecureBytes, aad: [UInt8]) throws(ArchiveError) -> [UInt8] {
        var plaintext = dataKey.secret.copyBytes()
        defer { plaintext.withMutableBytes { Wipe.cleanse($0) } }
        return try AESGCM.seal(plaintext, key: wrapKey, nonce: nonce, aad: aad)
    }
}
