import COpenSSL

/// Secret bytes (keys, passphrases): one heap allocation, wiped with `OPENSSL_cleanse` when the last
/// reference goes, and never printed. Immutable after creation, hence safe to share across threads.
public final class SecureBytes: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let storage: UnsafeMutableRawBufferPointer
    public let count: Int

    /// Takes `count` bytes written by `initializer` (which sees zeroed memory).
    init<Failure: Error>(
        count: Int, _ initializer: (UnsafeMutableRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) {
        self.count = count
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        try initializer(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Copies `bytes`. The caller wipes its own copy if it was secret.
    public convenience init(_ bytes: UnsafeRawBufferPointer) {
        self.init(count: bytes.count) { $0.copyMemory(from: bytes) }
    }

    /// Copies `bytes` and wipes the array's storage, for secrets read into a temporary array.
    public convenience init(consuming bytes: inout [UInt8]) {
        self.init(count: bytes.count) { target in bytes.withBytes { target.copyMemory(from: $0) } }
        bytes.withMutableBytes { Wipe.cleanse($0) }
        bytes = []
    }

    /// For passphrases given in code (tests); real passphrases come from files as bytes.
    public convenience init(utf8 string: String) {
        var bytes = Array(string.utf8)
        self.init(consuming: &bytes)
    }

    deinit {
        Wipe.cleanse(storage)
        storage.deallocate()
    }

    public func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Constant-time comparison.
    public func isEqual(to other: SecureBytes) -> Bool {
        guard count == other.count else { return false }
        return withUnsafeBytes { mine in
            other.withUnsafeBytes { theirs in CRYPTO_memcmp(mine.baseOrDummy, theirs.baseOrDummy, count) == 0 }
        }
    }

    /// A copy with `suffix` after these bytes.
    func appending(_ suffix: [UInt8]) -> SecureBytes {
        SecureBytes(count: count + suffix.count) { target in
            withUnsafeBytes { target.copyMemory(from: $0) }
            for (index, byte) in suffix.enumerated() { target[count + index] = byte }
        }
    }

    public var description: String { "SecureBytes(\(count) bytes, redacted)" }
    public var debugDescription: String { description }

    /// A plain copy, for tests and for the rare caller that must hand bytes to an API that takes arrays.
    func copyBytes() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }
}

enum Wipe {
    static func cleanse(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        OPENSSL_cleanse(base, buffer.count)
    }
}
