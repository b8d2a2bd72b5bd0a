import COpenSSL

/// The order-independent digest of a table's rows (FORMAT.md §8.3): the sum, modulo 2^128, of a
/// 128-bit hash of each row. Parts of a table add up to the table; row order does not matter.
public struct ContentHash: Sendable, Equatable, Hashable, CustomStringConvertible {
    public private(set) var high: UInt64
    public private(set) var low: UInt64

    public static let zero = ContentHash(high: 0, low: 0)

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses the 32-hex-digit form used in manifests.
    public init?(hex: String) {
        guard hex.utf8.count == 32, let bytes = Hex.decode(hex) else { return nil }
        self.init(bigEndian: bytes)
    }

    init(bigEndian bytes: some Collection<UInt8>) {
        var high: UInt64 = 0, low: UInt64 = 0
        for (index, byte) in bytes.prefix(16).enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// Adds another hash (a row's, or a part's) modulo 2^128.
    public mutating func add(_ other: ContentHash) {
        let (sum, carry) = low.addingReportingOverflow(other.low)
        low = sum
        high = high &+ other.high &+ (carry ? 1 : 0)
    }

    public static func + (lhs: ContentHash, rhs: ContentHash) -> ContentHash {
        var result = lhs
        result.add(rhs)
        return result
    }

    public var description: String {
        let digits = String(high, radix: 16).leftPadded(to: 16) + String(low, radix: 16).leftPadded(to: 16)
        return digits
    }
}

/// Hashes rows one at a time and keeps their running content hash. One per thread.
public final class RowHasher {
    static let domain = Array("arkiv row v1\u{0}".utf8)
    /// SHA-256 with the domain prefix already absorbed: copied for each row instead of
    /// initialised, because OpenSSL 3 fetches the algorithm again on every init.
    private let prefixed: OpaquePointer
    private let context: OpaquePointer
    public private(set) var total = ContentHash.zero
    public private(set) var rows: UInt64 = 0

    public init() throws(ArchiveError) {
        guard let prefixed = EVP_MD_CTX_new() else { throw OpenSSL.failure("EVP_MD_CTX_new") }
        guard let context = EVP_MD_CTX_new() else {
            EVP_MD_CTX_free(prefixed)
            throw OpenSSL.failure("EVP_MD_CTX_new")
        }
        self.prefixed = prefixed
        self.context = context
        try OpenSSL.check(EVP_DigestInit_ex2(prefixed, EVP_sha256(), nil), "SHA-256 init")
        try Self.domain.withBytes { (prefix) throws(ArchiveError) in
            try OpenSSL.check(EVP_DigestUpdate(prefixed, prefix.baseOrDummy, prefix.count), "SHA-256 update")
        }
    }

    deinit {
        EVP_MD_CTX_free(context)
        EVP_MD_CTX_free(prefixed)
    }

    /// The row's own hash (one CopyData message, FORMAT.md §8.3).
    public func hash(row: UnsafeRawBufferPointer) throws(ArchiveError) -> ContentHash {
        try OpenSSL.check(EVP_MD_CTX_copy_ex(context, prefixed), "SHA-256 copy")
        if row.count > 0 {
            try OpenSSL.check(EVP_DigestUpdate(context, row.baseOrDummy, row.count), "SHA-256 update")
        }
        var digest = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        try withUnsafeMutableBytes(of: &digest) { (buffer) throws(ArchiveError) in
            var length: UInt32 = 0
            try OpenSSL.check(EVP_DigestFinal_ex(context, buffer.mutableBytePointer, &length), "SHA-256 final")
        }
        return ContentHash(high: UInt64(bigEndian: digest.0), low: UInt64(bigEndian: digest.1))
    }

    /// Hashes a row and adds it to the running total.
    public func add(row: UnsafeRawBufferPointer) throws(ArchiveError) {
        total.add(try hash(row: row))
        rows += 1
    }

    /// Starts a new total (for the next table or part).
    public func reset() {
        total = .zero
        rows = 0
    }
}

private extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
