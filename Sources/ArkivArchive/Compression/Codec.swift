/// How chunk payloads are compressed before sealing. Each chunk is compressed on its own (one-shot),
/// so any chunk can be decompressed without its neighbours.
public enum Codec: Sendable, Equatable, CustomStringConvertible {
    case none
    /// Zstandard, level 1...19.
    case zstd(level: Int32)
    /// Deflate in a gzip wrapper (RFC 1952), level 1...9.
    case gzip(level: Int32)

    public static let `default` = Codec.zstd(level: 3)

    public var description: String {
        switch self {
        case .none: "none"
        case .zstd(let level): "zstd-\(level)"
        case .gzip(let level): "gzip-\(level)"
        }
    }

    var id: CodecID {
        switch self {
        case .none: .none
        case .zstd: .zstd
        case .gzip: .gzip
        }
    }

    func validate() throws(ArchiveError) {
        switch self {
        case .none: break
        case .zstd(let level):
            guard (1...19).contains(level) else { throw .invalidUse("zstd level must be 1...19, not \(level)") }
        case .gzip(let level):
            guard (1...9).contains(level) else { throw .invalidUse("gzip level must be 1...9, not \(level)") }
        }
    }

    func makeCompressor() throws(ArchiveError) -> any ChunkCompressor {
        try validate()
        switch self {
        case .none: return StoredChunkCodec()
        case .zstd(let level): return try ZstdChunkCompressor(level: level)
        case .gzip(let level): return try GzipChunkCompressor(level: level)
        }
    }
}

/// The codec byte in the archive header: all a reader needs (levels do not affect decompression).
enum CodecID: UInt8, Sendable {
    case none = 0
    case zstd = 1
    case gzip = 2

    func makeDecompressor() throws(ArchiveError) -> any ChunkDecompressor {
        switch self {
        case .none: StoredChunkCodec()
        case .zstd: try ZstdChunkDecompressor()
        case .gzip: try GzipChunkDecompressor()
        }
    }
}

/// Compresses one chunk at a time, reusing its context. Not thread-safe: one per worker.
protocol ChunkCompressor: AnyObject {
    /// The most bytes `compress` can produce for `count` input bytes.
    func maximumCompressedSize(for count: Int) -> Int
    /// Compresses all of `input` into `output` (sized by `maximumCompressedSize`); returns the length.
    /// `favorSpeed` asks for the codec's fastest setting (data that barely compresses).
    func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, favorSpeed: Bool) throws(ArchiveError) -> Int
}

/// Decompresses one chunk into exactly `output.count` bytes (the length the chunk header states) and
/// fails on anything else, so a hostile payload can never make us produce or allocate more.
protocol ChunkDecompressor: AnyObject {
    /// Throws `.compression` with a description of what is wrong; callers add file, member and offset.
    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(ArchiveError)
}

/// Codec "none": the payload is the plaintext.
final class StoredChunkCodec: ChunkCompressor, ChunkDecompressor {
    func maximumCompressedSize(for count: Int) -> Int { count }

    func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, favorSpeed: Bool) throws(ArchiveError) -> Int {
        guard output.count >= input.count else { throw .compression(detail: "output buffer too small") }
        if input.count > 0, let base = output.baseAddress, base != UnsafeMutableRawPointer(mutating: input.baseAddress) {
            base.copyMemory(from: input.baseOrDummy, byteCount: input.count)
        }
        return input.count
    }

    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(ArchiveError) {
        guard input.count == output.count else {
            throw .compression(detail: "stored payload has \(input.count) bytes, header states \(output.count)")
        }
        if input.count > 0, let base = output.baseAddress { base.copyMemory(from: input.baseOrDummy, byteCount: input.count) }
    }
}
