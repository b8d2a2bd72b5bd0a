#if canImport(Glibc)
import Glibc
#endif

/// Writes one archive file: header, members cut into sealed chunk records, trailing index, footer.
///
/// Safe to use from several threads. Each member has its own lock and is compressed and sealed by the
/// thread appending to it, with a sealer (compressor + cipher context) checked out of a shared pool;
/// only the file append, the offset bookkeeping and the whole-file SHA-256 run under the file lock.
/// Chunks of different members therefore interleave in the file; one member's chunks stay in order.
///
/// Two locks, so that a worker appending to its member never queues behind another worker's file
/// write: `lock` guards the member table, the sealer pool and the failure state (held briefly);
/// `fileLock` guards the file offset, the write and the whole-file hash. Order: `lock` may be held
/// while taking `fileLock` (only `finish` does), never the reverse.
public final class ArchiveWriter: @unchecked Sendable {
    public let path: String
    private let output: any ArchiveOutput
    /// The descriptor this writer opened itself (`creatingFileAt`), closed by `finish`.
    private let ownedDescriptor: Int32?
    private let codec: Codec
    private let chunkSize: Int
    private let subkey: SecureBytes?
    private let headerDigest: [UInt8]

    private let lock = Lock()
    // Guarded by `lock`.
    private var openMembers: [UInt32: MemberStream] = [:]
    private var finishedEntries: [IndexEntry] = []
    private var nextMemberID: UInt32 = 0
    private var idleSealers: [ChunkSealer] = []
    private var failure: ArchiveError?
    private var isClosed = false

    private let fileLock = Lock()
    // Guarded by `fileLock`.
    private var offset: UInt64 = 0
    private let fileHasher: SHA256
    /// The first write error: after it nothing more is written (`failure` reports it to callers).
    private var fileFailure: ArchiveError?

    /// Writes to `fileDescriptor`, an empty file opened for writing at offset 0; the caller keeps
    /// ownership of the descriptor. `path` names the file in errors.
    public convenience init(
        fileDescriptor: Int32, path: String, fileName: String, setID: BackupSetID,
        codec: Codec = .default, encryption: Encryption, chunkSize: Int = 1 << 20
    ) throws(ArchiveError) {
        try self.init(output: FileOutput(descriptor: fileDescriptor, path: path), owned: nil, path: path, fileName: fileName, setID: setID,
                      codec: codec, encryption: encryption, chunkSize: chunkSize)
    }

    /// Writes to `output` (an object-storage upload, say); `path` names it in errors.
    public convenience init(
        output: any ArchiveOutput, path: String, fileName: String, setID: BackupSetID,
        codec: Codec = .default, encryption: Encryption, chunkSize: Int = 1 << 20
    ) throws(ArchiveError) {
        try self.init(output: output, owned: nil, path: path, fileName: fileName, setID: setID,
                      codec: codec, encryption: encryption, chunkSize: chunkSize)
    }

    /// Creates `path` (it must not exist) with mode 0600 and writes to it; `finish` closes it.
    public convenience init(
        creatingFileAt path: String, fileName: String, setID: BackupSetID,
        codec: Codec = .default, encryption: Encryption, chunkSize: Int = 1 << 20
    ) throws(ArchiveError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io(path: path, operation: "create archive", errno: errno) }
        do {
            try self.init(output: FileOutput(descriptor: descriptor, path: path), owned: descriptor, path: path, fileName: fileName,
                          setID: setID, codec: codec, encryption: encryption, chunkSize: chunkSize)
        } catch {
            close(descriptor)
            throw error
        }
    }

    private init(
        output: any ArchiveOutput, owned: Int32?, path: String, fileName: String, setID: BackupSetID,
        codec: Codec, encryption: Encryption, chunkSize: Int
    ) throws(ArchiveError) {
        try codec.validate()
        guard (1...ArchiveFormat.maximumChunkSize).contains(chunkSize) else {
            throw .invalidUse("chunk size must be 1...\(ArchiveFormat.maximumChunkSize), not \(chunkSize)")
        }
        let header = try ArchiveHeader(
            codec: codec.id, cipher: encryption.cipherID, setID: setID,
            fileSalt: SecureRandom.bytes(ArchiveFormat.fileSaltLength), fileName: fileName)
        self.path = path
        self.output = output
        ownedDescriptor = owned
        self.codec = codec
        self.chunkSize = chunkSize
        headerDigest = try SHA256.hash(header.bytes)
        switch encryption {
        case .aes256GCM(let dataKey): subkey = try ChunkProtection.fileSubkey(dataKey: dataKey, header: header)
        case .none: subkey = nil
        }
        fileHasher = try SHA256()
        try header.bytes.withBytes { (bytes) throws(ArchiveError) in try appendLocked(bytes) }
    }

    deinit {
        if let ownedDescriptor, !isClosed { close(ownedDescriptor) }
    }

    /// Opens a member; its chunks may interleave with other open members' chunks.
    /// - Parameter favorSpeed: compress with the codec's fastest setting (zstd level 1), for data
    ///   that barely compresses such as float vectors. Readers need not know.
    public func beginMember(kind: MemberKind, name: String, favorSpeed: Bool = false) throws(ArchiveError) -> MemberID {
        guard name.utf8.count <= Int(UInt16.max) else { throw .invalidUse("member name is longer than 65535 bytes") }
        return try lock.withLock { () throws(ArchiveError) -> MemberID in
            try checkUsable()
            guard nextMemberID < ArchiveFormat.indexMemberID else { throw .invalidUse("too many members in one archive") }
            let id = nextMemberID
            openMembers[id] = try MemberStream(id: id, kind: kind, name: name, chunkSize: chunkSize, favorSpeed: favorSpeed)
            nextMemberID += 1
            return MemberID(rawValue: id)
        }
    }

    /// Appends plaintext to an open member. Full chunks are compressed, sealed and written as they fill.
    public func append(_ member: MemberID, _ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        let stream = try openStream(member)
        try stream.lock.withLock { () throws(ArchiveError) in
            guard !stream.isFinished else { throw .invalidUse("member '\(stream.name)' is already finished") }
            try stream.hasher.update(bytes)
            stream.plaintextBytes += UInt64(bytes.count)
            var rest = bytes
            while !rest.isEmpty {
                if stream.pendingCount == chunkSize {
                    try emit(stream, UnsafeRawBufferPointer(stream.pending), isLast: false)
                    stream.pendingCount = 0
                }
                if stream.pendingCount == 0 && rest.count > chunkSize {
                    // More follows this chunk, so it is not the last: seal it straight from the caller's memory.
                    try emit(stream, UnsafeRawBufferPointer(rebasing: rest[0..<chunkSize]), isLast: false)
                    rest = UnsafeRawBufferPointer(rebasing: rest[chunkSize...])
                    continue
                }
                let count = min(chunkSize - stream.pendingCount, rest.count)
                UnsafeMutableRawBufferPointer(rebasing: stream.pending[stream.pendingCount..<stream.pendingCount + count])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[0..<count]))
                stream.pendingCount += count
                rest = UnsafeRawBufferPointer(rebasing: rest[count...])
            }
        }
    }

    public func append(_ member: MemberID, _ bytes: [UInt8]) throws(ArchiveError) {
        try bytes.withBytes { (bytes) throws(ArchiveError) in try append(member, bytes) }
    }

    /// Writes the member's last chunk (empty if the member is empty) and closes it.
    public func finishMember(_ member: MemberID) throws(ArchiveError) -> MemberSummary {
        let stream = try openStream(member)
        let entry = try stream.lock.withLock { () throws(ArchiveError) -> IndexEntry in
            guard !stream.isFinished else { throw .invalidUse("member '\(stream.name)' is already finished") }
            try emit(stream, UnsafeRawBufferPointer(rebasing: stream.pending[0..<stream.pendingCount]), isLast: true)
            stream.isFinished = true
            return stream.indexEntry(digest: try stream.hasher.finalize())
        }
        lock.withLock {
            openMembers[member.rawValue] = nil
            finishedEntries.append(entry)
        }
        return entry.summary
    }

    /// Writes the index and footer, fsyncs (and closes a file this writer created). Every member must
    /// be finished. Returns the file's size and SHA-256.
    public func finish() throws(ArchiveError) -> ArchiveFileSummary {
        try lock.withLock { () throws(ArchiveError) -> ArchiveFileSummary in
            try checkUsable()
            guard openMembers.isEmpty else {
                let names = openMembers.values.map(\.name).sorted().joined(separator: ", ")
                throw .invalidUse("members not finished: \(names)")
            }
            let entries = finishedEntries.sorted { $0.summary.id < $1.summary.id }
            // No member is open, so no worker can be writing: the file lock is uncontended here.
            return try fileLock.withLock { () throws(ArchiveError) -> ArchiveFileSummary in
                do throws(ArchiveError) {
                    let indexOffset = offset
                    try writeIndex(ArchiveIndex.encode(entries))
                    var footer = ByteWriter(capacity: ArchiveFormat.footerLength)
                    footer.append(ArchiveFormat.footerMagic)
                    footer.append(indexOffset)
                    footer.append(offset + UInt64(ArchiveFormat.footerLength))
                    try footer.bytes.withBytes { (bytes) throws(ArchiveError) in try appendLocked(bytes) }
                } catch {
                    throw fail(error)
                }
                do throws(ArchiveError) { try output.sync() } catch { throw fail(error) }
                if let ownedDescriptor {
                    isClosed = true
                    guard close(ownedDescriptor) == 0 else { throw fail(.io(path: path, operation: "close", errno: errno)) }
                }
                isClosed = true
                return ArchiveFileSummary(size: offset, sha256: try fileHasher.finalize(), members: entries.map(\.summary))
            }
        }
    }

    // MARK: - Internals

    private func openStream(_ member: MemberID) throws(ArchiveError) -> MemberStream {
        try lock.withLock { () throws(ArchiveError) -> MemberStream in
            try checkUsable()
            guard let stream = openMembers[member.rawValue] else {
                throw .invalidUse("member \(member) is not open in \(path)")
            }
            return stream
        }
    }

    /// Seals outside both writer locks (the caller holds the member's lock), then appends under the
    /// file lock. The member is open (it is removed from `openMembers` only after its last emit), so
    /// `finish` cannot run meanwhile.
    private func emit(_ stream: MemberStream, _ plaintext: UnsafeRawBufferPointer, isLast: Bool) throws(ArchiveError) {
        let sealer = try checkOutSealer()
        defer { lock.withLock { idleSealers.append(sealer) } }
        let recordOffset: UInt64
        let recordLength: Int
        do throws(ArchiveError) {
            let record = try sealer.seal(memberID: stream.id, sequence: stream.sequence, isLast: isLast, plaintext: plaintext,
                                         favorSpeed: stream.favorSpeed)
            recordLength = record.count
            // Another member's failure stops this one too (briefly under `lock`, not behind a write).
            try lock.withLock { () throws(ArchiveError) in try checkUsable() }
            recordOffset = try fileLock.withLock { () throws(ArchiveError) -> UInt64 in
                let start = offset
                try appendLocked(record)
                return start
            }
        } catch {
            throw lock.withLock { fail(error) }
        }
        stream.recordWritten(at: recordOffset, length: recordLength)
    }

    private func checkOutSealer() throws(ArchiveError) -> ChunkSealer {
        if let idle = lock.withLock({ idleSealers.popLast() }) { return idle }
        return try makeSealer()
    }

    private func makeSealer() throws(ArchiveError) -> ChunkSealer {
        try ChunkSealer(codec: codec, subkey: subkey, headerDigest: headerDigest, chunkSize: chunkSize)
    }

    /// The index, cut into chunks like any member, under the reserved member id. Caller holds `lock`
    /// and `fileLock`.
    private func writeIndex(_ index: [UInt8]) throws(ArchiveError) {
        let sealer: ChunkSealer
        if let idle = idleSealers.popLast() { sealer = idle } else { sealer = try makeSealer() }
        defer { idleSealers.append(sealer) }
        try index.withBytes { (index) throws(ArchiveError) in
            var sequence: UInt64 = 0
            var start = 0
            repeat {
                let end = min(start + chunkSize, index.count)
                let record = try sealer.seal(
                    memberID: ArchiveFormat.indexMemberID, sequence: sequence, isLast: end == index.count,
                    plaintext: UnsafeRawBufferPointer(rebasing: index[start..<end]))
                try appendLocked(record)
                sequence += 1
                start = end
            } while start < index.count
        }
    }

    /// Caller holds `fileLock` (or is the initializer). A failed write leaves the file unusable: the
    /// caller records the error as the writer's `failure`.
    private func appendLocked(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        if let fileFailure { throw fileFailure }
        do throws(ArchiveError) {
            try output.append(bytes)
            try fileHasher.update(bytes)
        } catch {
            fileFailure = error
            throw error
        }
        offset += UInt64(bytes.count)
    }

    /// Caller holds `lock`.
    private func checkUsable() throws(ArchiveError) {
        if let failure { throw failure }
        guard !isClosed else { throw .invalidUse("archive \(path) is already finished") }
    }

    /// Records the first failure: after it the file is unusable and every call reports it. Caller holds `lock`.
    private func fail(_ error: ArchiveError) -> ArchiveError {
        if failure == nil { failure = error }
        return error
    }
}
