import COpenSSL

enum OpenSSL {
    /// The newest queued OpenSSL error as text (and the queue cleared, so the next failure reports its own).
    static func lastError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "unknown OpenSSL error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func failure(_ operation: String) -> ArchiveError {
        .crypto(operation: operation, detail: lastError())
    }

    static func check(_ result: Int32, _ operation: String) throws(ArchiveError) {
        guard result > 0 else { throw failure(operation) }
    }
}

/// An `OSSL_PARAM` array whose keys and values live as long as the builder: OpenSSL keeps pointers
/// into them, and Swift's implicit string-to-pointer conversion lasts only for one call.
final class OSSLParameters {
    private var params: [OSSL_PARAM] = []
    private var allocations: [(pointer: UnsafeMutableRawPointer, count: Int)] = []

    func addUTF8(_ key: String, _ value: String) {
        let valuePointer = strdupCopy(value)
        params.append(OSSL_PARAM_construct_utf8_string(strdupCopy(key), valuePointer, 0))
    }

    func addOctets(_ key: String, _ value: UnsafeRawBufferPointer) {
        let copy = UnsafeMutableRawPointer.allocate(byteCount: max(value.count, 1), alignment: 1)
        if let base = value.baseAddress { copy.copyMemory(from: base, byteCount: value.count) }
        allocations.append((copy, value.count))
        params.append(OSSL_PARAM_construct_octet_string(strdupCopy(key), copy, value.count))
    }

    func addUInt64(_ key: String, _ value: UInt64) {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
        pointer.storeBytes(of: value, as: UInt64.self)
        allocations.append((pointer, 8))
        params.append(OSSL_PARAM_construct_uint64(strdupCopy(key), pointer.assumingMemoryBound(to: UInt64.self)))
    }

    func addUInt32(_ key: String, _ value: UInt32) {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: 4, alignment: 4)
        pointer.storeBytes(of: value, as: UInt32.self)
        allocations.append((pointer, 4))
        params.append(OSSL_PARAM_construct_uint32(strdupCopy(key), pointer.assumingMemoryBound(to: UInt32.self)))
    }

    func withParameters<Result>(_ body: (UnsafePointer<OSSL_PARAM>) -> Result) -> Result {
        let terminated = params + [OSSL_PARAM_construct_end()]
        return terminated.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else {
                preconditionFailure("a terminated parameter list is never empty")
            }
            return body(base)
        }
    }

    deinit {
        // Values may be secrets (keys, passphrases): wipe before freeing.
        for allocation in allocations {
            OPENSSL_cleanse(allocation.pointer, allocation.count)
            allocation.pointer.deallocate()
        }
    }

    private func strdupCopy(_ string: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(string.utf8CString)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
        pointer.initialize(from: utf8, count: utf8.count)
        allocations.append((UnsafeMutableRawPointer(pointer), utf8.count))
        return pointer
    }
}
