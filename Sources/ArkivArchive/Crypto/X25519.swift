import COpenSSL

/// RFC 7748 X25519 with raw 32-byte keys, over EVP_PKEY.
public enum X25519 {
    public static let keyLength = 32

    /// A fresh private key (the scalar is clamped by X25519 itself, so any 32 random bytes are valid).
    public static func generatePrivateKey() throws(ArchiveError) -> SecureBytes {
        try SecureRandom.secureBytes(keyLength)
    }

    public static func publicKey(for privateKey: SecureBytes) throws(ArchiveError) -> [UInt8] {
        let key = try privateKeyObject(privateKey)
        defer { EVP_PKEY_free(key) }
        return try [UInt8].uninitialized(count: keyLength) { (output) throws(ArchiveError) in
            var length = keyLength
            try OpenSSL.check(EVP_PKEY_get_raw_public_key(key, output.mutableBytePointer, &length), "X25519 public key")
            guard length == keyLength else { throw .crypto(operation: "X25519 public key", detail: "unexpected length \(length)") }
        }
    }

    /// X25519(privateKey, peerPublicKey). Fails on a low-order peer key (all-zero shared secret).
    public static func sharedSecret(privateKey: SecureBytes, peerPublicKey: [UInt8]) throws(ArchiveError) -> SecureBytes {
        guard peerPublicKey.count == keyLength else { throw .invalidUse("X25519 public key must be 32 bytes") }
        let key = try privateKeyObject(privateKey)
        defer { EVP_PKEY_free(key) }
        let peer = peerPublicKey.withBytes { EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, $0.bytePointer, keyLength) }
        guard let peer else { throw OpenSSL.failure("X25519 peer key") }
        defer { EVP_PKEY_free(peer) }
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, key, nil) else { throw OpenSSL.failure("EVP_PKEY_CTX_new") }
        defer { EVP_PKEY_CTX_free(context) }
        try OpenSSL.check(EVP_PKEY_derive_init(context), "X25519 derive init")
        try OpenSSL.check(EVP_PKEY_derive_set_peer(context, peer), "X25519 set peer")
        return try SecureBytes(count: keyLength) { (output) throws(ArchiveError) in
            var length = keyLength
            try OpenSSL.check(EVP_PKEY_derive(context, output.mutableBytePointer, &length), "X25519 derive")
            guard length == keyLength else { throw .crypto(operation: "X25519 derive", detail: "unexpected length \(length)") }
        }
    }

    private static func privateKeyObject(_ privateKey: SecureBytes) throws(ArchiveError) -> OpaquePointer {
        guard privateKey.count == keyLength else { throw .invalidUse("X25519 private key must be 32 bytes") }
        let key = privateKey.withUnsafeBytes { EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, $0.bytePointer, keyLength) }
        guard let key else { throw OpenSSL.failure("X25519 private key") }
        return key
    }
}
