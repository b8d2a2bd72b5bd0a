/// One member's line in the trailing index: its summary and where each of its chunk records starts.
struct IndexEntry {
    let summary: MemberSummary
    let chunkOffsets: [UInt64]
}

/// Binary encoding of the trailing index (docs/FORMAT.md, "Index"). Decoding trusts nothing: counts
/// are checked against the bytes left before anything is allocated.
enum ArchiveIndex {
    /// id, kind, name length, plaintext bytes, stored bytes, SHA-256, chunk count, one offset.
    private static let minimumEntryLength = 4 + 1 + 2 + 8 + 8 + 32 + 8 + 8

    static func encode(_ entries: [IndexEntry]) -> [UInt8] {
        var writer = ByteWriter(capacity: 4 + entries.reduce(0) { $0 + minimumEntryLength + $1.summary.name.utf8.count + 8 * $1.chunkOffsets.count })
        writer.append(UInt32(entries.count))
        for entry in entries {
            let summary = entry.summary
            writer.append(summary.id.rawValue)
            writer.append(summary.kind.rawValue)
            writer.appendShortString(summary.name)
            writer.append(summary.plaintextBytes)
            writer.append(summary.storedBytes)
            writer.append(summary.plaintextSHA256)
            writer.append(UInt64(entry.chunkOffsets.count))
            for offset in entry.chunkOffsets { writer.append(offset) }
        }
        return writer.bytes
    }

    /// Entries sorted by id. `records` is the byte range chunk records may occupy.
    static func decode(_ bytes: [UInt8], path: String, records: Range<UInt64>) throws(ArchiveError) -> [IndexEntry] {
        func malformed(_ detail: String, member: String = "index") -> ArchiveError {
            .indexMismatch(file: path, member: member, detail: detail)
        }
        var reader = ByteReader(bytes)
        guard let count = reader.readUInt32(), Int(count) <= reader.remaining / minimumEntryLength else {
            throw malformed("member count is missing or larger than the index can hold")
        }
        var entries: [IndexEntry] = []
        entries.reserveCapacity(Int(count))
        var previousID: UInt32?
        for _ in 0..<count {
            guard let id = reader.readUInt32(), let kind = reader.readUInt8(), let name = reader.readShortString(),
                  let plaintextBytes = reader.readUInt64(), let storedBytes = reader.readUInt64(),
                  let digest = reader.readBytes(SHA256.digestLength), let chunkCount = reader.readUInt64()
            else { throw malformed("entry \(entries.count) is cut short or its name is not UTF-8") }
            guard id != ArchiveFormat.indexMemberID, previousID.map({ id > $0 }) ?? true else {
                throw malformed("member ids are not unique and ascending at '\(name)'")
            }
            guard chunkCount >= 1, chunkCount <= UInt64(reader.remaining / 8) else {
                throw malformed("impossible chunk count \(chunkCount)", member: name)
            }
            var offsets: [UInt64] = []
            offsets.reserveCapacity(Int(chunkCount))
            for _ in 0..<chunkCount {
                guard let offset = reader.readUInt64(), records.contains(offset), offsets.last.map({ offset > $0 }) ?? true else {
                    throw malformed("a chunk offset lies outside the file's data area or out of order: records were removed, added or moved", member: name)
                }
                offsets.append(offset)
            }
            previousID = id
            let summary = MemberSummary(
                id: MemberID(rawValue: id), kind: MemberKind(rawValue: kind), name: name, plaintextBytes: plaintextBytes,
                storedBytes: storedBytes, chunkCount: chunkCount, plaintextSHA256: digest)
            entries.append(IndexEntry(summary: summary, chunkOffsets: offsets))
        }
        guard reader.remaining == 0 else { throw malformed("\(reader.remaining) unexpected bytes after the last entry") }
        return entries
    }
}
