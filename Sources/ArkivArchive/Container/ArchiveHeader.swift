/// The plaintext file header: magic, version, body length, then the body (codec, cipher, set id,
/// file salt, file name, and whatever later versions append).
struct ArchiveHeader {
    let codec: CodecID
    let cipher: CipherID
    let setID: BackupSetID
    let fileSalt: [UInt8]
    let fileName: String
    /// The header exactly as stored; its SHA-256 is part of every chunk's AAD.
    let bytes: [UInt8]

    init(codec: CodecID, cipher: CipherID, setID: BackupSetID, fileSalt: [UInt8], fileName: String) throws(ArchiveError) {
        guard fileName.utf8.count <= Int(UInt16.max) - ArchiveFormat.headerBodyMinimumLength else {
            throw .invalidUse("archive file name is longer than the header allows")
        }
        var body = ByteWriter()
        body.append(codec.rawValue)
        body.append(cipher.rawValue)
        body.append(setID.bytes)
        body.append(fileSalt)
        body.appendShortString(fileName)
        var header = ByteWriter()
        header.append(ArchiveFormat.magic)
        header.append(ArchiveFormat.version)
        header.append(UInt16(body.bytes.count))
        header.append(body.bytes)
        self.init(codec: codec, cipher: cipher, setID: setID, fileSalt: fileSalt, fileName: fileName, bytes: header.bytes)
    }

    private init(codec: CodecID, cipher: CipherID, setID: BackupSetID, fileSalt: [UInt8], fileName: String, bytes: [UInt8]) {
        self.codec = codec
        self.cipher = cipher
        self.setID = setID
        self.fileSalt = fileSalt
        self.fileName = fileName
        self.bytes = bytes
    }

    /// Reads and validates the header at the start of `descriptor`. Unknown trailing body bytes (a later
    /// minor revision's fields) are skipped; they are still authenticated through the header digest.
    static func read(from input: any ArchiveInput, path: String, fileSize: UInt64) throws(ArchiveError) -> ArchiveHeader {
        var prefix = [UInt8](repeating: 0, count: ArchiveFormat.headerPrefixLength)
        let count = try prefix.withMutableBytes { (buffer) throws(ArchiveError) -> Int in
            try input.read(into: buffer, at: 0)
        }
        guard count >= ArchiveFormat.magic.count, prefix.starts(with: ArchiveFormat.magic) else { throw .badMagic(file: path) }
        guard count == ArchiveFormat.headerPrefixLength else {
            throw .truncated(file: path, offset: UInt64(count), detail: "the file ends inside the header")
        }
        var reader = ByteReader(prefix, position: ArchiveFormat.magic.count)
        guard let version = reader.readUInt16(), let bodyLength = reader.readUInt16() else { throw .badMagic(file: path) }
        guard version == ArchiveFormat.version else {
            throw .unsupportedVersion(file: path, found: version, supported: ArchiveFormat.version)
        }
        guard Int(bodyLength) >= ArchiveFormat.headerBodyMinimumLength else {
            throw .malformedHeader(file: path, detail: "header body of \(bodyLength) bytes is shorter than the \(ArchiveFormat.headerBodyMinimumLength) required")
        }
        let headerLength = ArchiveFormat.headerPrefixLength + Int(bodyLength)
        guard UInt64(headerLength) <= fileSize else {
            throw .truncated(file: path, offset: fileSize, detail: "the file ends inside the header")
        }
        var bytes = [UInt8](repeating: 0, count: headerLength)
        _ = try bytes.withMutableBytes { (buffer) throws(ArchiveError) -> Int in
            try input.read(into: buffer, at: 0)
        }
        return try parse(bytes, path: path)
    }

    private static func parse(_ bytes: [UInt8], path: String) throws(ArchiveError) -> ArchiveHeader {
        var reader = ByteReader(bytes, position: ArchiveFormat.headerPrefixLength)
        guard let codecByte = reader.readUInt8(), let cipherByte = reader.readUInt8(),
              let setBytes = reader.readBytes(BackupSetID.length), let salt = reader.readBytes(ArchiveFormat.fileSaltLength)
        else { throw .malformedHeader(file: path, detail: "header body is too short") }
        guard let codec = CodecID(rawValue: codecByte) else {
            throw .malformedHeader(file: path, detail: "unknown codec id \(codecByte) at offset 12")
        }
        guard let cipher = CipherID(rawValue: cipherByte) else {
            throw .malformedHeader(file: path, detail: "unknown cipher id \(cipherByte) at offset 13")
        }
        guard let name = reader.readShortString() else {
            throw .malformedHeader(file: path, detail: "file name overruns the header body or is not UTF-8")
        }
        let setID = try BackupSetID(bytes: setBytes)
        return ArchiveHeader(codec: codec, cipher: cipher, setID: setID, fileSalt: salt, fileName: name, bytes: bytes)
    }
}
