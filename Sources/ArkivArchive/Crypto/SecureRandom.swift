import COpenSSL

/// Random bytes from OpenSSL's CSPRNG (seeded from the kernel).
public enum SecureRandom {
    public static func bytes(_ count: Int) throws(ArchiveError) -> [UInt8] {
        try [UInt8].uninitialized(count: count) { (buffer) throws(ArchiveError) in try fill(buffer) }
    }

    public static func secureBytes(_ count: Int) throws(ArchiveError) -> SecureBytes {
        try SecureBytes(count: count) { (buffer) throws(ArchiveError) in try fill(buffer) }
    }

    static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) {
        guard buffer.count > 0 else { return }
        try OpenSSL.check(RAND_bytes(buffer.mutableBytePointer, Int32(buffer.count)), "RAND_bytes")
    }
}
