import COpenSSL

/// AES-256-GCM with a 12-byte nonce and a 16-byte tag appended to the ciphertext.
///
/// One instance holds a keyed EVP_CIPHER_CTX per direction, created on first use and reused for every
/// chunk: only the nonce changes between calls, so the AES key schedule is computed once per file.
/// Not thread-safe: each worker owns its instance.
public final class AESGCM {
    public static let keyLength = 32
    public static let nonceLength = 12
    public static let tagLength = 16

    private let key: SecureBytes
    private var encryptor: OpaquePointer?
    private var decryptor: OpaquePointer?

    public init(key: SecureBytes) throws(ArchiveError) {
        guard key.count == Self.keyLength else { throw .invalidUse("AES-256-GCM key must be 32 bytes, not \(key.count)") }
        self.key = key
    }

    deinit {
        if let encryptor { EVP_CIPHER_CTX_free(encryptor) }
        if let decryptor { EVP_CIPHER_CTX_free(decryptor) }
    }

    /// Encrypts `plaintext` into `output` (which may be the same memory: in-place is allowed) and writes
    /// the tag right after the ciphertext. `output` must hold `plaintext.count + 16` bytes.
    public func seal(
        _ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
        nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer
    ) throws(ArchiveError) {
        guard nonce.count == Self.nonceLength, output.count >= plaintext.count + Self.tagLength,
              plaintext.count <= Int32.max - 32
        else { throw .invalidUse("AES-GCM seal: bad nonce or output size") }
        let context = try context(encrypting: true)
        try OpenSSL.check(EVP_EncryptInit_ex2(context, nil, nil, nonce.bytePointer, nil), "AES-GCM nonce")
        var written: Int32 = 0
        if aad.count > 0 {
            try OpenSSL.check(EVP_EncryptUpdate(context, nil, &written, aad.bytePointer, Int32(aad.count)), "AES-GCM aad")
        }
        var produced = 0
        if plaintext.count > 0 {
            try OpenSSL.check(
                EVP_EncryptUpdate(context, output.mutableBytePointer, &written, plaintext.bytePointer, Int32(plaintext.count)),
                "AES-GCM encrypt")
            produced = Int(written)
        }
        try OpenSSL.check(EVP_EncryptFinal_ex(context, output.mutableBytePointer + produced, &written), "AES-GCM final")
        let tag = output.mutableBytePointer + plaintext.count
        try OpenSSL.check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagLength), tag), "AES-GCM tag")
    }

    /// Verifies the tag at the end of `sealed` and decrypts into `output` (in-place allowed), which must
    /// hold `sealed.count - 16` bytes. Returns false when authentication fails: callers know the context
    /// (file, member, offset) to report it.
    public func open(
        _ sealed: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
        nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer
    ) throws(ArchiveError) -> Bool {
        guard nonce.count == Self.nonceLength, sealed.count >= Self.tagLength,
              output.count >= sealed.count - Self.tagLength, sealed.count <= Int32.max - 32
        else { throw .invalidUse("AES-GCM open: bad nonce or buffer size") }
        let context = try context(encrypting: false)
        let ciphertextCount = sealed.count - Self.tagLength
        // Copy the tag first: in-place decryption may overwrite nothing past the ciphertext, but the
        // ctrl call wants a mutable pointer. On the stack: no allocation per chunk.
        var tag: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &tag) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: sealed[ciphertextCount...])) }
        try OpenSSL.check(EVP_DecryptInit_ex2(context, nil, nil, nonce.bytePointer, nil), "AES-GCM nonce")
        var written: Int32 = 0
        if aad.count > 0 {
            try OpenSSL.check(EVP_DecryptUpdate(context, nil, &written, aad.bytePointer, Int32(aad.count)), "AES-GCM aad")
        }
        var produced = 0
        if ciphertextCount > 0 {
            try OpenSSL.check(
                EVP_DecryptUpdate(context, output.mutableBytePointer, &written, sealed.bytePointer, Int32(ciphertextCount)),
                "AES-GCM decrypt")
            produced = Int(written)
        }
        let tagStatus = withUnsafeMutableBytes(of: &tag) {
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagLength), $0.baseAddress)
        }
        try OpenSSL.check(tagStatus, "AES-GCM set tag")
        let authentic = EVP_DecryptFinal_ex(context, output.mutableBytePointer + produced, &written) > 0
        if !authentic {
            ERR_clear_error()
            // Never hand out unauthenticated plaintext.
            Wipe.cleanse(UnsafeMutableRawBufferPointer(rebasing: output[0..<ciphertextCount]))
        }
        return authentic
    }

    /// One-shot seal for small messages (key wrapping).
    public static func seal(_ plaintext: [UInt8], key: SecureBytes, nonce: [UInt8], aad: [UInt8]) throws(ArchiveError) -> [UInt8] {
        let cipher = try AESGCM(key: key)
        return try [UInt8].uninitialized(count: plaintext.count + tagLength) { (output) throws(ArchiveError) in
            try plaintext.withBytes { (plaintext) throws(ArchiveError) in
                try nonce.withBytes { (nonce) throws(ArchiveError) in
                    try aad.withBytes { (aad) throws(ArchiveError) in
                        try cipher.seal(plaintext, into: output, nonce: nonce, aad: aad)
                    }
                }
            }
        }
    }

    /// One-shot open for small secret messages; nil when authentication fails.
    public static func open(_ sealed: [UInt8], key: SecureBytes, nonce: [UInt8], aad: [UInt8]) throws(ArchiveError) -> SecureBytes? {
        guard sealed.count >= tagLength else { return nil }
        let cipher = try AESGCM(key: key)
        var authentic = false
        let plaintext = try SecureBytes(count: sealed.count - tagLength) { (output) throws(ArchiveError) in
            authentic = try sealed.withBytes { (sealed) throws(ArchiveError) -> Bool in
                try nonce.withBytes { (nonce) throws(ArchiveError) -> Bool in
                    try aad.withBytes { (aad) throws(ArchiveError) -> Bool in
                        try cipher.open(sealed, into: output, nonce: nonce, aad: aad)
                    }
                }
            }
        }
        return authentic ? plaintext : nil
    }

    private func context(encrypting: Bool) throws(ArchiveError) -> OpaquePointer {
        if let existing = encrypting ? encryptor : decryptor { return existing }
        guard let context = EVP_CIPHER_CTX_new() else { throw OpenSSL.failure("EVP_CIPHER_CTX_new") }
        let status = key.withUnsafeBytes { key in
            EVP_CipherInit_ex2(context, EVP_aes_256_gcm(), key.bytePointer, nil, encrypting ? 1 : 0, nil)
        }
        guard status > 0 else {
            EVP_CIPHER_CTX_free(context)
            throw OpenSSL.failure("AES-256-GCM init")
        }
        if encrypting { encryptor = context } else { decryptor = context }
        return context
    }
}
