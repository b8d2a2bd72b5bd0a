import ArkivArchive
import Foundation

/// Where a backup writes one set: its files, each streamed and then committed, and the
/// manifest last. Until `finish`, the set is incomplete and nobody lists it.
public protocol SetDestination: AnyObject, Sendable {
    var id: BackupID { get }
    /// For people: the set's folder, or `s3://bucket/prefix/<id>`.
    var location: String { get }
    func stage(named name: String) throws -> any StagedSetFile
    func finish(manifest: Data) throws
    /// Removes an unfinished set (a failed or interrupted backup). A finished set is kept.
    func discard()
}

/// One file of a set being written: appended to through `output`, then committed or discarded.
public protocol StagedSetFile: AnyObject {
    var output: any ArchiveOutput { get }
    /// For errors.
    var finalPath: String { get }
    func commit() throws
    func discard()
}

/// A set in a local repository: files are staged under temporary names, made durable and
/// renamed; the manifest goes last.
public final class SetWriter: SetDestination, @unchecked Sendable {
    public let id: BackupID
    public let path: String
    private var finished = false

    init(id: BackupID, path: String) {
        self.id = id
        self.path = path
    }

    /// Opens a new file of the set for streaming. Names are checked: a set file is a plain name,
    /// never a path, so nothing a schema is called can point outside the set.
    public func stageFile(named name: String) throws(RepositoryError) -> StagedFile {
        try Self.checkFileName(name)
        guard name != LocalRepository.manifestName else { throw .alreadyExists(name) }
        return try StagedFile(directory: path, name: name)
    }

    public var location: String { path }

    public func stage(named name: String) throws -> any StagedSetFile { try stageFile(named: name) }

    /// Writes the manifest atomically, making the set complete. Call after every file committed.
    public func finish(manifest: Data) throws(RepositoryError) {
        try FileSystem.writeAtomically(manifest, to: path + "/" + LocalRepository.manifestName)
        finished = true
    }

    /// Removes an unfinished set (a failed or interrupted backup). A finished set is kept.
    public func discard() {
        guard !finished else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    static func checkFileName(_ name: String) throws(RepositoryError) {
        let valid = !name.isEmpty && name.utf8.count <= 200 && !name.hasPrefix(".")
            && !name.contains("/") && !name.contains("\0")
        guard valid else {
            throw .invalidBackupID(name, reason: "a set file name is a plain name without '/' or a leading dot")
        }
    }
}

/// A file being written into a set: `.<name>.partial` until `commit` renames it into place.
public final class StagedFile: StagedSetFile, @unchecked Sendable {
    public let finalPath: String
    public let temporaryPath: String
    public let directory: String
    /// The open descriptor to write to.
    public private(set) var fileDescriptor: Int32
    public private(set) lazy var output: any ArchiveOutput = FileOutput(descriptor: fileDescriptor, path: finalPath)

    /// `replacing`: an existing file of that name is replaced by `commit` (a resumed copy's
    /// damaged file); otherwise it is refused now.
    init(directory: String, name: String, replacing: Bool = false) throws(RepositoryError) {
        self.directory = directory
        self.finalPath = directory + "/" + name
        self.temporaryPath = directory + "/." + name + ".partial"
        guard replacing || !FileSystem.exists(finalPath) else { throw .alreadyExists(finalPath) }
        self.fileDescriptor = try FileSystem.openForWriting(temporaryPath)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(RepositoryError) {
        try FileSystem.write(fileDescriptor, bytes, path: temporaryPath)
    }

    /// fsync, rename into place, fsync the folder: after this the file survives a crash.
    public func commit() throws(RepositoryError) {
        try FileSystem.fsync(fileDescriptor, path: temporaryPath)
        close(fileDescriptor)
        fileDescriptor = -1
        try FileSystem.rename(temporaryPath, finalPath)
        try FileSystem.fsyncDirectory(directory)
    }

    /// Drops the partial file.
    public func discard() {
        if fileDescriptor >= 0 { close(fileDescriptor) }
        fileDescriptor = -1
        unlink(temporaryPath)
    }

    deinit {
        if fileDescriptor >= 0 { discard() }
    }
}
