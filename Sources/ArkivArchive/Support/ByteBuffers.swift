// Typed-throws access to byte arrays: `Array.withUnsafeBytes` is `rethrows` and would turn every
// `ArchiveError` into `any Error`; the buffer-pointer variants keep the type.
extension Array where Element == UInt8 {
    func withBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try withUnsafeBufferPointer { (buffer) throws(Failure) -> Result in
            try body(UnsafeRawBufferPointer(buffer))
        }
    }

    mutating func withMutableBytes<Result, Failure: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try withUnsafeMutableBufferPointer { (buffer) throws(Failure) -> Result in
            try body(UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// An array of `count` bytes filled by `body`, without zeroing it first (hot path: a chunk).
    static func uninitialized<Failure: Error>(
        count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) -> [UInt8] {
        var failure: Failure?
        let result = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(Failure) {
                try body(UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return result
    }
}

extension UnsafeRawBufferPointer {
    /// The address of the first byte, or a valid dummy address for an empty buffer (C APIs reject NULL
    /// even with a zero length).
    var baseOrDummy: UnsafeRawPointer {
        baseAddress ?? UnsafeRawPointer(Self.dummy)
    }

    var bytePointer: UnsafePointer<UInt8> {
        baseOrDummy.assumingMemoryBound(to: UInt8.self)
    }

    private nonisolated(unsafe) static let dummy = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
}

extension UnsafeMutableRawBufferPointer {
    var mutableBytePointer: UnsafeMutablePointer<UInt8> {
        (baseAddress ?? UnsafeMutableRawPointer(mutating: UnsafeRawBufferPointer(self).baseOrDummy))
            .assumingMemoryBound(to: UInt8.self)
    }
}
