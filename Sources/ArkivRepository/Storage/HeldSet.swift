import ArkivArchive
import Foundation

/// A complete set held for reading (restore, verify, drill), on any storage: leased first, so
/// prune keeps it until `release`, then its manifest read (not yet authenticated: that needs the
/// data key) and its archives opened by name.
public final class HeldSet: @unchecked Sendable {
    public let storage: any Storage
    public let id: BackupID
    public let sealed: SealedManifest
    /// Bytes of every object of the set.
    public let bytes: UInt64
    /// Why no lease protects this read (a directory this user may not write), when none does.
    public let unheldReason: String?
    private let lease: any RepositoryHold

    public init(_ storage: any Storage, set: String, command: String) throws {
        let stored = StoredSets(storage: storage)
        let id = try stored.complete(set)
        let lease = try storage.lease(id, command: command)
        do {
            let (data, _) = try stored.manifest(id)
            sealed = try ManifestCodec.decode(data, file: storage.location + "/" + id.rawValue + "/" + LocalRepository.manifestName)
            bytes = try storage.list(prefix: id.rawValue + "/").reduce(0) { $0 + $1.size }
        } catch {
            lease.release()
            throw error
        }
        self.storage = storage
        self.id = id
        self.lease = lease
        unheldReason = lease.unheldReason
    }

    /// Lets prune have the set again.
    public func release() { lease.release() }

    /// For messages: where a file of the set is.
    public func path(_ file: String) -> String { storage.location + "/" + id.rawValue + "/" + file }

    /// Whether reading the set costs a network: then it is proven as it is read (every record is
    /// authenticated or checksummed), not hashed in full first.
    public var isRemote: Bool { !(storage is LocalStorage) }

    /// Every listed file present with its size and SHA-256 (read in full), nothing else in the set.
    public func checkFiles() -> [IntegrityProblem] { StoredSets(storage: storage).checkFiles(id, against: sealed.manifest) }

    /// Every listed file present with its size: the check before a read that proves every byte.
    public func checkSizes() -> [IntegrityProblem] {
        sealed.manifest.files.compactMap { file in
            let size = (try? storage.stat(id.rawValue + "/" + file.name)) ?? nil
            guard size?.size != file.bytes else { return nil }
            return IntegrityProblem(kind: size == nil ? .missingFile : .sizeMismatch, file: path(file.name),
                                    detail: size.map { "\($0.size) bytes stored, \(file.bytes) in the manifest" } ?? "listed in the manifest with \(file.bytes) bytes")
        }
    }

    /// One archive file, read in place: a file by `pread`, an object by ranged reads.
    public func reader(_ file: String, dataKey: DataKey?) throws -> ArchiveReader {
        try SetWriter.checkFileName(file)
        let name = id.rawValue + "/" + file
        if let local = storage as? LocalStorage {
            _ = try local.stat(name)
            return try ArchiveReader(path: local.root + "/" + name, dataKey: dataKey, setID: sealed.manifest.setID, fileName: file)
        }
        return try ArchiveReader(input: try StorageInput(storage: storage, name: name), path: path(file), dataKey: dataKey,
                                 setID: sealed.manifest.setID, fileName: file)
    }
}
