import COpenSSL

/// RFC 5869 HKDF (extract then expand) over EVP_KDF.
public enum HKDF {
    public static func sha256(
        ikm: SecureBytes, salt: [UInt8], info: [UInt8], length: Int
    ) throws(ArchiveError) -> SecureBytes {
        guard length > 0, length <= 255 * 32 else { throw .invalidUse("HKDF output length \(length) out of range") }
        let parameters = OSSLParameters()
        parameters.addUTF8("digest", "SHA256")
        ikm.withUnsafeBytes { parameters.addOctets("key", $0) }
        salt.withBytes { parameters.addOctets("salt", $0) }
        info.withBytes { parameters.addOctets("info", $0) }
        return try KDF.derive(algorithm: "HKDF", parameters: parameters, length: length)
    }
}

/// The EVP_KDF call shared by HKDF and scrypt.
enum KDF {
    static func derive(algorithm: String, parameters: OSSLParameters, length: Int) throws(ArchiveError) -> SecureBytes {
        guard let kdf = EVP_KDF_fetch(nil, algorithm, nil) else { throw OpenSSL.failure("EVP_KDF_fetch \(algorithm)") }
        defer { EVP_KDF_free(kdf) }
        guard let context = EVP_KDF_CTX_new(kdf) else { throw OpenSSL.failure("EVP_KDF_CTX_new \(algorithm)") }
        defer { EVP_KDF_CTX_free(context) }
        return try SecureBytes(count: length) { (output) throws(ArchiveError) in
            let status = parameters.withParameters { EVP_KDF_derive(context, output.mutableBytePointer, length, $0) }
            try OpenSSL.check(status, algorithm)
        }
    }
}
