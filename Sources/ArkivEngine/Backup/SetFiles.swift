import ArkivArchive
import ArkivRepository
import Foundation

/// The archive files of a set being written: one staged file and one writer per schema.
final class SetFiles: @unchecked Sendable {
    private struct OpenFile {
        let staged: any StagedSetFile
        let writer: ArchiveWriter
    }

    private let files: [String: OpenFile]
    /// Schema → archive file name.
    let fileNames: [String: String]
    private var committed = false

    init(set: any SetDestination, fileNames: [String: String], setID: BackupSetID, codec: Codec, encryption: Encryption) throws {
        var files: [String: OpenFile] = [:]
        do {
            for name in fileNames.values.sorted() {
                let staged = try set.stage(named: name)
                let writer = try ArchiveWriter(
                    output: staged.output, path: staged.finalPath, fileName: name,
                    setID: setID, codec: codec, encryption: encryption)
                files[name] = OpenFile(staged: staged, writer: writer)
            }
        } catch {
            files.values.forEach { $0.staged.discard() }
            throw error
        }
        self.files = files
        self.fileNames = fileNames
    }

    func writer(for fileName: String) -> ArchiveWriter? { files[fileName]?.writer }

    /// Writes a small member (DDL, sequence values, catalog facts) as JSON.
    func writeJSON(_ value: some Encodable, to fileName: String, kind: MemberKind, name: String) throws {
        guard let writer = writer(for: fileName) else { throw ArchiveError.invalidUse("no archive file \(fileName) in this set") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        let member = try writer.beginMember(kind: kind, name: name)
        try writer.append(member, [UInt8](data))
        _ = try writer.finishMember(member)
    }

    /// Finishes every archive (index, footer, fsync) and renames it into place.
    func finish(schemasByFile: [String: String]) throws -> [Manifest.FileEntry] {
        var entries: [Manifest.FileEntry] = []
        for name in files.keys.sorted() {
            guard let file = files[name] else { continue }
            let summary = try file.writer.finish()
            try file.staged.commit()
            entries.append(Manifest.FileEntry(
                name: name, schema: schemasByFile[name] ?? "", bytes: summary.size, sha256: Hex.encode(summary.sha256)))
        }
        committed = true
        return entries
    }

    /// Removes partial files after a failure (the set folder goes too, with SetWriter.discard).
    func discardUnfinished() {
        guard !committed else { return }
        files.values.forEach { $0.staged.discard() }
    }
}
