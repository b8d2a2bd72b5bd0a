import ArkivArchive
import Foundation

/// A set written straight into object storage, with no local staging: each file is an upload
/// (multipart, bounded memory) that exists only once committed, and the manifest is saved last,
/// only if absent. A discarded set aborts its uploads and deletes what it committed, so a
/// failed or interrupted backup leaves nothing that looks complete (and prune clears the rest).
public final class StorageSetWriter: SetDestination, @unchecked Sendable {
    public let id: BackupID
    public let storage: any Storage
    private let lock = NSLock()
    private var committed: [String] = []
    private var open: [StorageStagedFile] = []
    private var finished = false

    public init(id: BackupID, storage: any Storage) throws(StorageError) {
        self.id = id
        self.storage = storage
        guard try storage.stat(id.rawValue + "/" + LocalRepository.manifestName) == nil else { throw .alreadyExists(id.rawValue) }
    }

    public var location: String { storage.location + "/" + id.rawValue }

    public func stage(named name: String) throws -> any StagedSetFile {
        try SetWriter.checkFileName(name)
        guard name != LocalRepository.manifestName else { throw RepositoryError.alreadyExists(name) }
        let objectName = id.rawValue + "/" + name
        let file = StorageStagedFile(name: objectName, location: storage.location + "/" + objectName, upload: try storage.upload(objectName)) { [weak self] in
            self?.lock.withLock { self?.committed.append(objectName) }
        }
        lock.withLock { open.append(file) }
        return file
    }

    public func finish(manifest: Data) throws {
        try storage.save(id.rawValue + "/" + LocalRepository.manifestName, data: manifest, ifAbsent: true)
        lock.withLock { finished = true }
    }

    public func discard() {
        let (done, files, names) = lock.withLock { (finished, open, committed) }
        guard !done else { return }
        files.forEach { $0.discard() }
        for name in names { try? storage.delete(name) }
    }
}

/// One object of a set being uploaded.
final class StorageStagedFile: StagedSetFile, ArchiveOutput, @unchecked Sendable {
    let name: String
    let finalPath: String
    private let upload: any StorageUpload
    private let onCommit: () -> Void
    private var done = false

    init(name: String, location: String, upload: any StorageUpload, onCommit: @escaping () -> Void) {
        self.name = name
        finalPath = location
        self.upload = upload
        self.onCommit = onCommit
    }

    var output: any ArchiveOutput { self }

    func append(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        do { try upload.write(bytes) } catch {
            throw .io(path: finalPath, operation: "upload (\(error))", errno: EIO)
        }
    }

    /// Durability comes with the completed upload, in `commit`.
    func sync() throws(ArchiveError) {}

    func commit() throws {
        try upload.finish()
        done = true
        onCommit()
    }

    func discard() {
        guard !done else { return }
        done = true
        upload.abort()
    }
}
