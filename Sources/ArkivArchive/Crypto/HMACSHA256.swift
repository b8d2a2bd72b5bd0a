import COpenSSL

/// HMAC-SHA-256 over EVP_MAC, streaming (`update` then `finalize`) or one-shot.
public final class HMACSHA256 {
    private let mac: OpaquePointer
    private let context: OpaquePointer

    public init(key: SecureBytes) throws(ArchiveError) {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { throw OpenSSL.failure("EVP_MAC_fetch HMAC") }
        guard let context = EVP_MAC_CTX_new(mac) else {
            EVP_MAC_free(mac)
            throw OpenSSL.failure("EVP_MAC_CTX_new")
        }
        self.mac = mac
        self.context = context
        let parameters = OSSLParameters()
        parameters.addUTF8("digest", "SHA256")
        let status = key.withUnsafeBytes { key in
            parameters.withParameters { EVP_MAC_init(context, key.bytePointer, key.count, $0) }
        }
        try OpenSSL.check(status, "HMAC init")
    }

    deinit {
        EVP_MAC_CTX_free(context)
        EVP_MAC_free(mac)
    }

    public func update(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        guard bytes.count > 0 else { return }
        try OpenSSL.check(EVP_MAC_update(context, bytes.bytePointer, bytes.count), "HMAC update")
    }

    public func update(_ bytes: [UInt8]) throws(ArchiveError) {
        try bytes.withBytes { (buffer) throws(ArchiveError) in try update(buffer) }
    }

    public func finalize() throws(ArchiveError) -> [UInt8] {
        try [UInt8].uninitialized(count: 32) { (buffer) throws(ArchiveError) in
            var length = 0
            try OpenSSL.check(EVP_MAC_final(context, buffer.mutableBytePointer, &length, 32), "HMAC final")
        }
    }

    public static func authenticationCode(for bytes: [UInt8], key: SecureBytes) throws(ArchiveError) -> [UInt8] {
        let mac = try HMACSHA256(key: key)
        try mac.update(bytes)
        return try mac.finalize()
    }
}
