import COpenSSL

/// Streaming SHA-256 over EVP (SHA-NI when the CPU has it). One instance is reused across chunks:
/// `finalize()` returns the digest and leaves the hasher ready for a new message.
public final class SHA256 {
    public static let digestLength = 32
    private let context: OpaquePointer

    public init() throws(ArchiveError) {
        guard let context = EVP_MD_CTX_new() else { throw OpenSSL.failure("EVP_MD_CTX_new") }
        self.context = context
        try reset()
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    public func reset() throws(ArchiveError) {
        try OpenSSL.check(EVP_DigestInit_ex2(context, EVP_sha256(), nil), "SHA-256 init")
    }

    public func update(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        guard bytes.count > 0 else { return }
        try OpenSSL.check(EVP_DigestUpdate(context, bytes.baseOrDummy, bytes.count), "SHA-256 update")
    }

    public func update(_ bytes: [UInt8]) throws(ArchiveError) {
        try bytes.withBytes { (buffer) throws(ArchiveError) in try update(buffer) }
    }

    /// The digest of everything since the last reset; the hasher then starts over.
    public func finalize() throws(ArchiveError) -> [UInt8] {
        let digest = try [UInt8].uninitialized(count: Self.digestLength) { (buffer) throws(ArchiveError) in
            var length: UInt32 = 0
            try OpenSSL.check(EVP_DigestFinal_ex(context, buffer.mutableBytePointer, &length), "SHA-256 final")
        }
        try reset()
        return digest
    }

    public static func hash(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) -> [UInt8] {
        let hasher = try SHA256()
        try hasher.update(bytes)
        return try hasher.finalize()
    }

    public static func hash(_ bytes: [UInt8]) throws(ArchiveError) -> [UInt8] {
        try bytes.withBytes { (buffer) throws(ArchiveError) in try hash(buffer) }
    }
}
