/// Opens an archive file: validates header and footer, authenticates and decodes the index. Members
/// are then read one at a time through the index (`chunks(of:)`) or all in file order (`scan()`).
///
/// Immutable once opened; every chunk reader and scanner has its own contexts, so different members
/// can be read on different threads at once.
public final class ArchiveReader: @unchecked Sendable {
    public var path: String { file.path }
    /// The archive's name within its backup set, from the header (authenticated by every chunk).
    public var fileName: String { file.header.fileName }
    public var setID: BackupSetID { file.header.setID }
    public var isEncrypted: Bool { file.header.cipher == .aes256GCM }
    public var fileSize: UInt64 { file.size }
    public let members: [MemberSummary]

    let file: OpenArchiveFile
    let indexOffset: UInt64
    let entries: [IndexEntry]
    private let entryPositions: [UInt32: Int]

    /// `dataKey` is required for an encrypted file and refused for a plaintext one.
    public convenience init(path: String, dataKey: DataKey?) throws(ArchiveError) {
        try self.init(file: OpenArchiveFile(path: path, dataKey: dataKey), path: path)
    }

    /// Reads from `input` (an object in a bucket, read in ranges); `path` names it in errors.
    public convenience init(input: any ArchiveInput, path: String, dataKey: DataKey?) throws(ArchiveError) {
        try self.init(file: OpenArchiveFile(input: input, path: path, dataKey: dataKey), path: path)
    }

    private init(file: OpenArchiveFile, path: String) throws(ArchiveError) {
        let footer = try Self.readFooter(file)
        let indexBytes = try Self.readIndexRecords(file, from: footer.indexOffset)
        entries = try ArchiveIndex.decode(indexBytes, path: path, records: file.headerLength..<footer.indexOffset)
        self.file = file
        indexOffset = footer.indexOffset
        members = entries.map(\.summary)
        entryPositions = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.summary.id.rawValue, $0) })
    }

    /// Opens an archive that must be `fileName` of the set `setID`. A whole file copied from
    /// another set, or another schema's file renamed, is refused even when its checksum was made
    /// to match in a manifest nothing authenticates (an unencrypted set's).
    public convenience init(path: String, dataKey: DataKey?, setID: BackupSetID, fileName: String) throws(ArchiveError) {
        try self.init(path: path, dataKey: dataKey)
        try checkBelongs(to: setID, as: fileName)
    }

    /// The same, reading from `input`.
    public convenience init(input: any ArchiveInput, path: String, dataKey: DataKey?, setID: BackupSetID, fileName: String) throws(ArchiveError) {
        try self.init(input: input, path: path, dataKey: dataKey)
        try checkBelongs(to: setID, as: fileName)
    }

    private func checkBelongs(to setID: BackupSetID, as fileName: String) throws(ArchiveError) {
        guard self.setID == setID else {
            throw .foreignFile(file: path, detail: "it was written for backup set \(self.setID), the manifest's set is \(setID)")
        }
        guard self.fileName == fileName else {
            throw .foreignFile(file: path, detail: "it was written as \(self.fileName), the manifest lists it as \(fileName)")
        }
    }

    public func member(named name: String) -> MemberSummary? {
        members.first { $0.name == name }
    }

    /// The member's plaintext, chunk by chunk, read through the index.
    public func chunks(of member: MemberID) throws(ArchiveError) -> MemberChunkReader {
        guard let entry = entry(for: member.rawValue) else {
            throw .invalidUse("\(path) has no member \(member)")
        }
        return try MemberChunkReader(archive: self, entry: entry)
    }

    /// A member's whole plaintext in memory: for small members (DDL); refuses more than `limit` bytes.
    public func contents(of member: MemberID, limit: Int = 64 << 20) throws(ArchiveError) -> [UInt8] {
        let reader = try chunks(of: member)
        guard reader.member.plaintextBytes <= UInt64(limit) else {
            throw .invalidUse("member '\(reader.member.name)' has \(reader.member.plaintextBytes) bytes, above the limit of \(limit)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(reader.member.plaintextBytes))
        while let chunk = try reader.next() { bytes += chunk }
        return bytes
    }

    /// Every chunk record in file order, each validated, and at the end the proof that every member is
    /// complete and agrees with the index.
    public func scan() throws(ArchiveError) -> ArchiveScanner {
        try ArchiveScanner(archive: self)
    }

    /// Scans the whole file, discarding plaintext. Returns the members once everything checks out.
    @discardableResult
    public func verify() throws(ArchiveError) -> [MemberSummary] {
        let scanner = try scan()
        while try scanner.skip() {}
        return members
    }

    func entry(for id: UInt32) -> IndexEntry? {
        entryPositions[id].map { entries[$0] }
    }

    func memberName(_ id: UInt32) -> String {
        if id == ArchiveFormat.indexMemberID { return "index" }
        return entry(for: id)?.summary.name ?? "#\(id) (not in the index)"
    }

    // MARK: - Opening

    private static func readFooter(_ file: OpenArchiveFile) throws(ArchiveError) -> (indexOffset: UInt64, length: UInt64) {
        let footerLength = UInt64(ArchiveFormat.footerLength)
        let minimum = file.headerLength + UInt64(ArchiveFormat.recordHeaderLength + ArchiveFormat.tagLength) + footerLength
        guard file.size >= minimum else {
            throw .truncated(file: file.path, offset: file.size, detail: "the file ends before its index and footer")
        }
        var bytes = [UInt8](repeating: 0, count: ArchiveFormat.footerLength)
        _ = try bytes.withMutableBytes { (buffer) throws(ArchiveError) -> Int in
            try file.read(into: buffer, at: file.size - footerLength)
        }
        var reader = ByteReader(bytes, position: ArchiveFormat.footerMagic.count)
        guard bytes.starts(with: ArchiveFormat.footerMagic), let indexOffset = reader.readUInt64(), let length = reader.readUInt64() else {
            throw .truncated(file: file.path, offset: file.size,
                             detail: "no footer (ARKIVIDX) at the end: the file was cut short, not finished, or its end is damaged")
        }
        guard length == file.size else {
            throw length > file.size
                ? .truncated(file: file.path, offset: file.size, detail: "the footer states a length of \(length) bytes")
                : .corruptChunk(file: file.path, member: "footer", offset: file.size - footerLength,
                                detail: "the footer states a length of \(length) bytes, the file has \(file.size)")
        }
        guard indexOffset >= file.headerLength, indexOffset < file.size - footerLength else {
            throw .corruptChunk(file: file.path, member: "footer", offset: file.size - footerLength,
                                detail: "index offset \(indexOffset) is outside the file's data area")
        }
        return (indexOffset, length)
    }

    /// The index plaintext: records of the reserved member id, sequence 0, 1, … up to one flagged last,
    /// which must end exactly where the footer starts.
    private static func readIndexRecords(_ file: OpenArchiveFile, from indexOffset: UInt64) throws(ArchiveError) -> [UInt8] {
        let records = try RecordReader(file: file)
        let end = file.size - UInt64(ArchiveFormat.footerLength)
        var offset = indexOffset
        var sequence: UInt64 = 0
        var bytes: [UInt8] = []
        while true {
            let header = try records.readHeader(at: offset, limit: end) { _ in "index" }
            guard header.memberID == ArchiveFormat.indexMemberID, header.sequence == sequence else {
                throw .corruptChunk(file: file.path, member: "index", offset: offset,
                                    detail: "expected index chunk \(sequence), found member #\(header.memberID) chunk \(header.sequence)")
            }
            guard bytes.count + Int(header.plaintextLength) <= ArchiveFormat.maximumIndexLength else {
                throw .corruptChunk(file: file.path, member: "index", offset: offset, detail: "the index exceeds \(ArchiveFormat.maximumIndexLength) bytes")
            }
            bytes += try records.readPayload(header, at: offset, memberName: "index")
            offset += UInt64(ArchiveFormat.recordHeaderLength) + UInt64(header.storedLength)
            sequence += 1
            if header.isLast { break }
        }
        guard offset == end else {
            throw .corruptChunk(file: file.path, member: "index", offset: offset, detail: "\(end - offset) unexpected bytes between the index and the footer")
        }
        return bytes
    }
}
