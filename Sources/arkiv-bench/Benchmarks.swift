import ArkivArchive
import CZstd
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One timed run: the seconds of the timed region and, where it means something, the bytes stored.
struct Sample {
    var seconds: Double
    var storedBytes: Int?
    /// CPU time of the whole process (all threads) over the run, filled in by `Bench.measure`.
    var cpuSeconds: Double = 0
}

/// A benchmark's outcome: every timed run (after the warm-up), reported as the median.
struct Measurement {
    let id: String
    let title: String
    let input: Input
    let threads: Int
    let plaintextBytes: Int
    let samples: [Sample]
    /// MB/s (10^6 bytes of plaintext per second) the issue asks for, when it sets one.
    let target: Double?

    var medianSeconds: Double {
        let sorted = samples.map(\.seconds).sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    var megabytesPerSecond: Double { Double(plaintextBytes) / medianSeconds / 1e6 }
    var runs: [Double] { samples.map { Double(plaintextBytes) / $0.seconds / 1e6 } }
    /// Plaintext / stored bytes (stored = the whole archive file, or the compressed bytes).
    var ratio: Double? { samples.last?.storedBytes.map { Double(plaintextBytes) / Double($0) } }
    var passes: Bool? { target.map { megabytesPerSecond >= $0 } }
    /// Cores kept busy in the median run (CPU time / wall time): below `threads` means waiting
    /// (fsync, locks) or, on a shared machine, other processes taking the core.
    var cpuUse: Double {
        let median = samples.sorted { $0.seconds < $1.seconds }[samples.count / 2]
        return median.cpuSeconds / median.seconds
    }
    /// Plaintext MB per CPU-second (median run): insensitive to other load on the machine.
    var megabytesPerCPUSecond: Double {
        let median = samples.sorted { $0.seconds < $1.seconds }[samples.count / 2]
        return Double(plaintextBytes) / median.cpuSeconds / 1e6
    }
}

enum Clock {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func cpu() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Process CPU time (all threads) of the last `time` region: runs are sequential, one at a time.
    nonisolated(unsafe) static var lastCPUSeconds = 0.0

    /// Wall time of `body`; its CPU time goes to `lastCPUSeconds`.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let cpuStart = cpu()
        let start = now()
        try body()
        let wall = now() - start
        lastCPUSeconds = cpu() - cpuStart
        return wall
    }
}

/// A pthread mutex (the archive library's own lock is internal).
final class BenchLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// Runs `body` on `count` threads at once (index 0..<count) and rethrows the first error. The
/// callers share only thread-safe objects (ArchiveWriter, ArchiveReader, locks) or read-only memory.
func onThreads(_ count: Int, _ body: (Int) throws -> Void) throws {
    if count == 1 { return try body(0) }
    let lock = BenchLock()
    nonisolated(unsafe) var failure: (any Error)?
    try withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: count) { index in
            do { try body(index) } catch { lock.withLock { if failure == nil { failure = error } } }
        }
        if let failure { throw failure }
    }
}

final class Bench {
    let options: Options
    let chunkSize = 1 << 20
    let dataKey: DataKey
    let setID: BackupSetID
    let directory: String
    private var serial = 0
    private(set) var results: [Measurement] = []

    init(options: Options) throws {
        self.options = options
        dataKey = try DataKey.generate()
        setID = try BackupSetID.generate()
        var template = Array("\(options.temporaryDirectory)/arkiv-bench-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw BenchError("cannot create a temporary folder in \(options.temporaryDirectory): \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
    }

    func removeDirectory() {
        rmdir(directory)
    }

    private func wanted(_ id: String) -> Bool {
        options.only.isEmpty || options.only.contains { id.contains($0) }
    }

    /// Warm-up, then `options.repeats` timed runs; `run` times its own region and cleans up after it.
    private func measure(
        _ id: String, _ title: String, input: Input, threads: Int = 1, bytes: Int? = nil, target: Double? = nil,
        _ run: () throws -> Sample
    ) rethrows {
        guard wanted(id) else { return }
        log("  \(id): warm-up", terminator: "")
        _ = try run()
        var samples: [Sample] = []
        for _ in 0..<options.repeats {
            var sample = try run()
            sample.cpuSeconds = Clock.lastCPUSeconds
            samples.append(sample)
            log(String(format: " %.0f", Double(bytes ?? input.count) / sample.seconds / 1e6), terminator: "")
        }
        let result = Measurement(id: id, title: title, input: input, threads: threads, plaintextBytes: bytes ?? input.count,
                                 samples: samples, target: target)
        log(String(format: "  → %.0f MB/s", result.megabytesPerSecond))
        results.append(result)
    }

    private func nextPath() -> String {
        serial += 1
        return "\(directory)/bench-\(serial).arkiv"
    }

    // MARK: - Archive write and read

    /// Writes `input` as `members` data members (one per thread, each a contiguous part, fed in
    /// `appendSize` pieces as a COPY stream would be), then `finish()` (index, footer, fsync, close).
    private func write(_ input: Input, to path: String, codec: Codec, members: Int) throws -> Sample {
        let appendSize = options.appendSize
        var summary: ArchiveFileSummary?
        let seconds = try Clock.time {
            let writer = try ArchiveWriter(creatingFileAt: path, fileName: "bench.arkiv", setID: setID, codec: codec,
                                           encryption: .aes256GCM(dataKey), chunkSize: chunkSize)
            let ids = try (0..<members).map { try writer.beginMember(kind: .data, name: "public.part\($0)") }
            let whole = input.raw
            let part = (whole.count / members + chunkSize - 1) / chunkSize * chunkSize
            try onThreads(members) { index in
                let start = min(index * part, whole.count), end = min(start + part, whole.count)
                var offset = start
                while offset < end {
                    let next = min(offset + appendSize, end)
                    try writer.append(ids[index], UnsafeRawBufferPointer(rebasing: whole[offset..<next]))
                    offset = next
                }
                _ = try writer.finishMember(ids[index])
            }
            summary = try writer.finish()
        }
        let key = "\(codec)/\(members)"
        if let summary, !checkedDigests.contains(key) {
            // Once per kind of write, untimed: the file on disk is the one the writer hashed.
            let digest = try sha256(ofFileAt: path)
            guard digest == summary.sha256 else { throw BenchError("\(path): SHA-256 on disk differs from the writer's summary") }
            checkedDigests.insert(key)
        }
        return Sample(seconds: seconds, storedBytes: Int(summary?.size ?? 0))
    }

    private var checkedDigests: Set<String> = []

    private func sha256(ofFileAt path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BenchError("cannot open \(path)") }
        defer { close(descriptor) }
        let hasher = try SHA256()
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { block.deallocate() }
        while true {
            let count = read(descriptor, block.baseAddress!, block.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw BenchError("cannot read \(path)") }
            if count == 0 { break }
            try hasher.update(UnsafeRawBufferPointer(rebasing: block[0..<count]))
        }
        return try hasher.finalize()
    }

    private func verify(_ path: String, expecting bytes: Int) throws -> Sample {
        var total: UInt64 = 0
        let seconds = try Clock.time {
            let reader = try ArchiveReader(path: path, dataKey: dataKey)
            total = try reader.verify().reduce(0) { $0 + $1.plaintextBytes }
        }
        guard total == UInt64(bytes) else { throw BenchError("verify saw \(total) bytes, expected \(bytes)") }
        return Sample(seconds: seconds)
    }

    /// Every member through the index, chunk by chunk, on `threads` threads (member i on thread i).
    private func readChunks(_ path: String, expecting bytes: Int, threads: Int = 1) throws -> Sample {
        let lock = BenchLock()
        nonisolated(unsafe) var total = 0
        let seconds = try Clock.time {
            let reader = try ArchiveReader(path: path, dataKey: dataKey)
            let members = reader.members
            try onThreads(threads) { thread in
                var count = 0
                for member in members.enumerated() where member.offset % threads == thread {
                    let chunks = try reader.chunks(of: member.element.id)
                    while let chunk = try chunks.next() { count += chunk.count }
                }
                lock.withLock { total += count }
            }
        }
        guard total == bytes else { throw BenchError("read \(total) bytes through the index, expected \(bytes)") }
        return Sample(seconds: seconds)
    }

    /// Write, then the two read paths over the file the last write left.
    func archive(_ input: Input, codec: Codec, suffix: String = "", writeTarget: Double? = nil, readTarget: Double? = nil) throws {
        let codecName = "\(codec)"
        var kept: String?
        defer { if let kept { unlink(kept) } }
        try measure("write\(suffix)/\(input.name)", "write (\(codecName) + AES-256-GCM + 2×SHA-256, fsync)", input: input,
                    target: writeTarget) {
            if let kept { unlink(kept) }
            let path = nextPath()
            kept = path
            return try write(input, to: path, codec: codec, members: 1)
        }
        if kept == nil && (wanted("read\(suffix)/\(input.name)") || wanted("read-index\(suffix)/\(input.name)")) {
            let path = nextPath()
            kept = path
            _ = try write(input, to: path, codec: codec, members: 1)
        }
        guard let path = kept else { return }
        try measure("read\(suffix)/\(input.name)", "read: full verify() scan (\(codecName))", input: input, target: readTarget) {
            try verify(path, expecting: input.count)
        }
        try measure("read-index\(suffix)/\(input.name)", "read: chunks through the index (\(codecName))", input: input,
                    target: readTarget) {
            try readChunks(path, expecting: input.count)
        }
    }

    /// The write path with two workers feeding one file (the backup's `--jobs 2`), and the read of
    /// that file with one member per thread.
    func archiveTwoThreads(_ input: Input, codec: Codec) throws {
        var kept: String?
        defer { if let kept { unlink(kept) } }
        try measure("write-2t/\(input.name)", "write (\(codec) + AES-256-GCM + 2×SHA-256, fsync), 2 members", input: input,
                    threads: 2) {
            if let kept { unlink(kept) }
            let path = nextPath()
            kept = path
            return try write(input, to: path, codec: codec, members: 2)
        }
        if kept == nil && wanted("read-index-2t/\(input.name)") {
            let path = nextPath()
            kept = path
            _ = try write(input, to: path, codec: codec, members: 2)
        }
        guard let path = kept else { return }
        try measure("read-index-2t/\(input.name)", "read: chunks through the index, 2 members", input: input, threads: 2) {
            try readChunks(path, expecting: input.count, threads: 2)
        }
    }

    // MARK: - Primitives over 1 MiB buffers

    private func chunks(of input: Input) -> [UnsafeRawBufferPointer] {
        stride(from: 0, to: input.count, by: chunkSize).map {
            UnsafeRawBufferPointer(rebasing: input.raw[$0..<min($0 + chunkSize, input.count)])
        }
    }

    /// What the writer does to every chunk besides compressing it, without compression: SHA-256 of
    /// the plaintext, AES-256-GCM seal (nonce and 49-byte AAD as in the format), SHA-256 of the stored
    /// record. With 2 threads each has its own plaintext hasher and cipher and the file hash is shared
    /// under a lock, as in ArchiveWriter.
    func cryptoAndHashing(_ input: Input, threads: Int = 1, target: Double? = nil) throws {
        let pieces = chunks(of: input)
        let key = dataKey.secret
        try measure(threads == 1 ? "crypto+hash" : "crypto+hash-2t", "crypto + hashing: SHA-256(plain) + AES-256-GCM seal + SHA-256(stored)",
                    input: input, threads: threads, target: target) {
            let fileHasher = try SHA256()
            let lock = BenchLock()
            let seconds = try Clock.time {
                try onThreads(threads) { thread in
                    let cipher = try AESGCM(key: key)
                    let plainHasher = try SHA256()
                    let output = UnsafeMutableRawBufferPointer.allocate(byteCount: (1 << 20) + 64 + 21, alignment: 64)
                    defer { output.deallocate() }
                    var nonce = [UInt8](repeating: 0, count: 12)
                    let aad = [UInt8](repeating: 7, count: 49)
                    for (index, chunk) in pieces.enumerated() where index % threads == thread {
                        try plainHasher.update(chunk)
                        nonce[11] = UInt8(truncatingIfNeeded: index)
                        nonce[10] = UInt8(truncatingIfNeeded: index >> 8)
                        let record = UnsafeMutableRawBufferPointer(rebasing: output[0..<(21 + chunk.count + 16)])
                        try nonce.withUnsafeBytes { nonce in
                            try aad.withUnsafeBytes { aad in
                                try cipher.seal(chunk, into: UnsafeMutableRawBufferPointer(rebasing: record[21...]), nonce: nonce, aad: aad)
                            }
                        }
                        try lock.withLock { try fileHasher.update(UnsafeRawBufferPointer(record)) }
                    }
                    _ = try plainHasher.finalize()
                }
                _ = try fileHasher.finalize()
            }
            return Sample(seconds: seconds)
        }
    }

    func sha256Alone(_ input: Input) throws {
        let pieces = chunks(of: input)
        try measure("sha256", "SHA-256 alone (one pass)", input: input) {
            let hasher = try SHA256()
            let seconds = try Clock.time {
                for chunk in pieces { try hasher.update(chunk) }
                _ = try hasher.finalize()
            }
            return Sample(seconds: seconds)
        }
    }

    func aesAlone(_ input: Input) throws {
        let pieces = chunks(of: input)
        let cipher = try AESGCM(key: dataKey.secret)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize + 64, alignment: 64)
        defer { output.deallocate() }
        let nonce = [UInt8](repeating: 1, count: 12), aad = [UInt8](repeating: 7, count: 49)
        try measure("aes-gcm-seal", "AES-256-GCM seal alone", input: input) {
            let seconds = try Clock.time {
                try nonce.withUnsafeBytes { nonce in
                    try aad.withUnsafeBytes { aad in
                        for chunk in pieces { try cipher.seal(chunk, into: output, nonce: nonce, aad: aad) }
                    }
                }
            }
            return Sample(seconds: seconds)
        }
    }

    /// libzstd at level 3, one-shot per 1 MiB chunk with a reused context, as the writer calls it.
    func zstd(_ input: Input, level: Int32 = 3) throws {
        let pieces = chunks(of: input)
        let bound = ZSTD_compressBound(chunkSize)
        let context = ZSTD_createCCtx()!
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 0)
        // Every compressed chunk kept, for the decompression benchmark.
        let compressed = UnsafeMutableRawBufferPointer.allocate(byteCount: bound * pieces.count, alignment: 64)
        defer { compressed.deallocate() }
        var lengths = [Int](repeating: 0, count: pieces.count)
        try measure("zstd-compress/\(input.name)", "zstd-\(level) compress alone", input: input) {
            var total = 0
            let seconds = try Clock.time {
                for (index, chunk) in pieces.enumerated() {
                    let result = ZSTD_compress2(context, compressed.baseAddress! + index * bound, bound, chunk.baseAddress, chunk.count)
                    guard ZSTD_isError(result) == 0 else { throw BenchError("zstd: \(String(cString: ZSTD_getErrorName(result)))") }
                    lengths[index] = result
                    total += result
                }
            }
            return Sample(seconds: seconds, storedBytes: total)
        }
        guard wanted("zstd-decompress/\(input.name)") else { return }
        if lengths.contains(0) {
            for (index, chunk) in pieces.enumerated() {
                lengths[index] = ZSTD_compress2(context, compressed.baseAddress! + index * bound, bound, chunk.baseAddress, chunk.count)
            }
        }
        let dcontext = ZSTD_createDCtx()!
        defer { ZSTD_freeDCtx(dcontext) }
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { output.deallocate() }
        try measure("zstd-decompress/\(input.name)", "zstd decompress alone", input: input) {
            let seconds = try Clock.time {
                for (index, chunk) in pieces.enumerated() {
                    let result = ZSTD_decompressDCtx(dcontext, output.baseAddress, chunk.count, compressed.baseAddress! + index * bound, lengths[index])
                    guard result == chunk.count else { throw BenchError("zstd decompress produced \(result) bytes") }
                }
            }
            return Sample(seconds: seconds)
        }
    }
}

func log(_ text: String, terminator: String = "\n") {
    FileHandle.standardError.write(Data((text + terminator).utf8))
}
