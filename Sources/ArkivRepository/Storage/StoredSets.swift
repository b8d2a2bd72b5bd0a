import ArkivArchive
import Foundation

/// The backup sets of a repository on any storage, read without a key: which sets there are,
/// their manifests, and whether their files are the ones the manifest lists (size and SHA-256,
/// streamed). What `list`, `verify archive --quick` and `copy` need from a bucket.
public struct StoredSets: Sendable {
    public let storage: any Storage

    public struct Entry: Sendable, Equatable {
        public let id: BackupID
        public let complete: Bool
        /// Bytes of every object of the set.
        public let bytes: UInt64
    }

    public init(storage: any Storage) {
        self.storage = storage
    }

    /// Every set (an object under a set id), oldest first; complete when its manifest is there.
    public func sets() throws(StorageError) -> [Entry] {
        var grouped: [BackupID: (complete: Bool, bytes: UInt64)] = [:]
        for object in try storage.list(prefix: "") {
            let parts = object.name.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, let id = try? BackupID(parsing: String(parts[0])) else { continue }
            var entry = grouped[id] ?? (false, 0)
            entry.bytes += object.size
            if parts[1] == Substring(LocalRepository.manifestName) { entry.complete = true }
            grouped[id] = entry
        }
        return grouped.map { Entry(id: $0.key, complete: $0.value.complete, bytes: $0.value.bytes) }.sorted { $0.id < $1.id }
    }

    /// One complete set by id, or `latest`.
    public func complete(_ idOrLatest: String) throws -> BackupID {
        let complete = try sets().filter(\.complete).map(\.id)
        if idOrLatest == "latest" {
            guard let newest = complete.last else { throw RepositoryError.setNotFound(repository: storage.location, id: "latest") }
            return newest
        }
        let id = try BackupID(parsing: idOrLatest)
        guard complete.contains(id) else { throw RepositoryError.setNotFound(repository: storage.location, id: idOrLatest) }
        return id
    }

    /// The manifest's bytes and its parsed form (not authenticated: that needs the data key).
    public func manifest(_ id: BackupID) throws -> (data: Data, manifest: Manifest) {
        let name = id.rawValue + "/" + LocalRepository.manifestName
        let data = try storage.read(name)
        let manifest = try ManifestCodec.decode(data, file: storage.location + "/" + name).manifest
        guard manifest.backupID == id.rawValue else {
            throw ArchiveError.invalidManifest(file: storage.location + "/" + name,
                                               detail: "it is the manifest of backup set \(manifest.backupID), not of \(id.rawValue)")
        }
        return (data, manifest)
    }

    /// Every listed file present with its size and SHA-256 (read in full, streamed), nothing
    /// else in the set: `verify archive --quick` on any storage.
    public func checkFiles(_ id: BackupID, against manifest: Manifest) -> [IntegrityProblem] {
        var problems: [IntegrityProblem] = []
        let present = ((try? storage.list(prefix: id.rawValue + "/")) ?? []).map { String($0.name.dropFirst(id.rawValue.count + 1)) }
        let listed = Set(manifest.files.map(\.name))
        for name in present where name != LocalRepository.manifestName && !listed.contains(name) && !name.hasPrefix(".") {
            problems.append(.init(kind: .unexpectedFile, file: id.rawValue + "/" + name, detail: "not listed in the manifest"))
        }
        for file in manifest.files {
            let name = id.rawValue + "/" + file.name
            guard (try? SetWriter.checkFileName(file.name)) != nil else {
                problems.append(.init(kind: .unreadable, file: file.name, detail: "the manifest names a file outside the set"))
                continue
            }
            do {
                guard let info = try storage.stat(name) else {
                    problems.append(.init(kind: .missingFile, file: name, detail: "listed in the manifest with \(file.bytes) bytes"))
                    continue
                }
                guard info.size == file.bytes else {
                    problems.append(.init(kind: .sizeMismatch, file: name, detail: "\(info.size) bytes stored, \(file.bytes) in the manifest"))
                    continue
                }
                let digest = try SetCopier.sha256(of: name, in: storage)
                if digest != file.sha256 {
                    problems.append(.init(kind: .checksumMismatch, file: name, detail: "SHA-256 \(digest), manifest says \(file.sha256)"))
                }
            } catch {
                problems.append(.init(kind: .unreadable, file: name, detail: "\(error)"))
            }
        }
        return problems
    }
}
