import CZlib

/// Each chunk is one complete gzip member (deflate + RFC 1952 wrapper), so `gunzip` can read a
/// concatenation of decrypted chunk payloads.
final class GzipChunkCompressor: ChunkCompressor {
    // zlib keeps a back-pointer to the stream: it must not move, hence a heap allocation.
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)

    init(level: Int32) throws(ArchiveError) {
        stream.initialize(to: z_stream())
        let status = deflateInit2_(stream, level, Z_DEFLATED, Gzip.windowBits, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw .compression(detail: "deflateInit2 failed (\(status))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    func maximumCompressedSize(for count: Int) -> Int {
        Int(deflateBound(stream, UInt(count)))
    }

    func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, favorSpeed: Bool) throws(ArchiveError) -> Int {
        guard deflateReset(stream) == Z_OK else { throw .compression(detail: "deflateReset failed") }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.bytePointer)
        stream.pointee.avail_in = UInt32(input.count)
        stream.pointee.next_out = output.mutableBytePointer
        stream.pointee.avail_out = UInt32(output.count)
        let status = deflate(stream, Z_FINISH)
        guard status == Z_STREAM_END else { throw .compression(detail: "deflate did not finish (\(status))") }
        return output.count - Int(stream.pointee.avail_out)
    }
}

final class GzipChunkDecompressor: ChunkDecompressor {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)

    init() throws(ArchiveError) {
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, Gzip.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw .compression(detail: "inflateInit2 failed (\(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(ArchiveError) {
        guard inflateReset(stream) == Z_OK else { throw .compression(detail: "inflateReset failed") }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.bytePointer)
        stream.pointee.avail_in = UInt32(input.count)
        stream.pointee.next_out = output.mutableBytePointer
        stream.pointee.avail_out = UInt32(output.count)
        // Z_FINISH with an output buffer of exactly the stated size: more data is an error, never a write.
        let status = inflate(stream, Z_FINISH)
        guard status == Z_STREAM_END else {
            throw .compression(detail: "gzip stream is invalid or longer than the stated \(output.count) bytes (zlib \(status))")
        }
        guard stream.pointee.avail_out == 0, stream.pointee.avail_in == 0 else {
            throw .compression(detail: "gzip stream length differs from the stated \(output.count) bytes or has trailing data")
        }
    }
}

enum Gzip {
    /// 15-bit window, +16 for the gzip wrapper.
    static let windowBits: Int32 = 15 + 16
}
