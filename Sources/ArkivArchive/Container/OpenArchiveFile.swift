/// An archive file opened for reading: its input, validated header, and the keys chunk records
/// are opened with. Immutable and shared by every reader of the file.
final class OpenArchiveFile: @unchecked Sendable {
    let path: String
    let input: any ArchiveInput
    let size: UInt64
    let header: ArchiveHeader
    let headerDigest: [UInt8]
    let subkey: SecureBytes?

    convenience init(path: String, dataKey: DataKey?) throws(ArchiveError) {
        try self.init(input: FileInput(path: path), path: path, dataKey: dataKey)
    }

    init(input: any ArchiveInput, path: String, dataKey: DataKey?) throws(ArchiveError) {
        let size = input.size
        let header = try ArchiveHeader.read(from: input, path: path, fileSize: size)
        switch (header.cipher, dataKey) {
        case (.aes256GCM, nil):
            throw .dataKeyRequired(file: path)
        case (.none, .some):
            // A set made with encryption has no plaintext files: this one was replaced.
            throw .malformedHeader(file: path, detail: "the file is not encrypted, but its backup set is")
        case (.aes256GCM, .some(let key)):
            subkey = try ChunkProtection.fileSubkey(dataKey: key, header: header)
        case (.none, nil):
            subkey = nil
        }
        self.path = path
        self.input = input
        self.size = size
        self.header = header
        headerDigest = try SHA256.hash(header.bytes)
    }

    /// Reads at an offset of the file (see `ArchiveInput.read`).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(ArchiveError) -> Int {
        try input.read(into: buffer, at: offset)
    }

    var headerLength: UInt64 { UInt64(header.bytes.count) }
}
