import COpenSSL

/// RFC 7914 scrypt. Parameters read from a file are bounded first, so a hostile wrapped key cannot ask
/// for gigabytes of memory or hours of CPU.
public enum Scrypt {
    public static let maximumLogN: UInt8 = 20
    public static let maximumMemory: UInt64 = 1 << 30

    public static func derive(
        passphrase: SecureBytes, salt: [UInt8], logN: UInt8, r: UInt32, p: UInt32, length: Int = 32
    ) throws(ArchiveError) -> SecureBytes {
        try validate(logN: logN, r: r, p: p)
        let parameters = OSSLParameters()
        passphrase.withUnsafeBytes { parameters.addOctets("pass", $0) }
        salt.withBytes { parameters.addOctets("salt", $0) }
        parameters.addUInt64("n", 1 << UInt64(logN))
        parameters.addUInt32("r", r)
        parameters.addUInt32("p", p)
        // OpenSSL's default cap (32 MiB) is below the cost of logN 17, r 8 (128 MiB).
        parameters.addUInt64("maxmem_bytes", maximumMemory + (1 << 20))
        return try KDF.derive(algorithm: "SCRYPT", parameters: parameters, length: length)
    }

    static func validate(logN: UInt8, r: UInt32, p: UInt32) throws(ArchiveError) {
        guard logN >= 1, logN <= maximumLogN, r >= 1, r <= 32, p >= 1, p <= 16,
              128 * UInt64(r) * (1 << UInt64(logN)) <= maximumMemory
        else {
            throw .invalidWrappedKey(detail: "scrypt parameters logN \(logN), r \(r), p \(p) are out of the accepted range")
        }
    }
}
