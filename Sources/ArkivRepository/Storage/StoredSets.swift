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
        // A set folder with nothing in it yet (or only partial files) is an incomplete set too.
        for name in try storage.topLevelFolders() {
            if let id = try? BackupID(parsing: name) { grouped[id] = (false, 0) }
        }
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
        let all = try sets()
        let complete = all.filter(\.complete).map(\.id)
        if idOrLatest == "latest" {
            guard let newest = complete.last else { throw RepositoryError.setNotFound(repository: storage.location, id: "latest") }
            return newest
        }
        let id = try BackupID(parsing: idOrLatest)
        guard complete.contains(id) else {
            if all.contains(where: { $0.id == id }) { throw RepositoryError.setIncomplete(repository: storage.location, id: idOrLatest) }
            throw RepositoryError.setNotFound(repository: storage.location, id: idOrLatest)
        }
        return id
    }

    /// The manifest's bytes and its parsed form (not authenticated: that needs the data key).
    public func manifest(_ id: BackupID) throws -> (data: Data, manifest: Manifest) {
        let name = id.rawValue + "/" + LocalRepository.manifestName
        // A manifest is small; a huge object planted under its name is refused before it is read.
        if let size = try storage.stat(name)?.size, size > UInt64(ManifestCodec.maximumSize) {
            throw ArchiveError.invalidManifest(file: storage.location + "/" + name, detail: "larger than \(ManifestCodec.maximumSize) bytes")
        }
        let data = try storage.read(name)
        let manifest = try ManifestCodec.decode(data, file: storage.location + "/" + name).manifest
        guard manifest.backupID == id.rawValue else {
            throw ArchiveError.invalidManifest(file: storage.location + "/" + name,
                                               detail: "it is the manifest of backup set \(manifest.backupID), not of \(id.rawValue) whose folder holds it; "
                                                   + "it was replaced, or the folder renamed")
        }
        return (data, manifest)
    }

    /// Every listed file present with its size and SHA-256 (read in full, streamed), nothing
    /// else in the set: `verify archive --quick` on any storage.
    public func checkFiles(_ id: BackupID, against manifest: Manifest) -> [IntegrityProblem] {
        var problems: [IntegrityProblem] = []
        let where_ = { (name: String) in storage.location + "/" + id.rawValue + "/" + name }
        let present = ((try? storage.list(prefix: id.rawValue + "/")) ?? []).map { String($0.name.dropFirst(id.rawValue.count + 1)) }
        let listed = Set(manifest.files.map(\.name))
        for name in present.sorted() where name != LocalRepository.manifestName && !listed.contains(name) && !name.hasPrefix(".") {
            problems.append(.init(kind: .unexpectedFile, file: where_(name), detail: "not listed in the manifest"))
        }
        for file in manifest.files {
            // A manifest is untrusted until authenticated: never follow a name out of the set.
            guard (try? SetWriter.checkFileName(file.name)) != nil else {
                problems.append(.init(kind: .unreadable, file: file.name, detail: "the manifest names a file outside the set"))
                continue
            }
            let name = id.rawValue + "/" + file.name
            do {
                guard let info = try storage.stat(name) else {
                    problems.append(.init(kind: .missingFile, file: where_(file.name), detail: "listed in the manifest with \(file.bytes) bytes"))
                    continue
                }
                guard info.size == file.bytes else {
                    problems.append(.init(kind: .sizeMismatch, file: where_(file.name), detail: "\(info.size) bytes stored, \(file.bytes) in the manifest"))
                    continue
                }
                let digest = try SetCopier.sha256(of: name, in: storage)
                if digest != file.sha256 {
                    problems.append(.init(kind: .checksumMismatch, file: where_(file.name), detail: "SHA-256 \(digest), manifest says \(file.sha256)"))
                }
            } catch {
                problems.append(.init(kind: .unreadable, file: where_(file.name), detail: "\(error)"))
            }
        }
        return problems
    }

    /// Every set as retention sees it, as on disk: complete or not, pinned or not (nil when the
    /// manifest cannot be read, is another set's, or lists objects that are not there with their
    /// sizes), and its source.
    public func retentionCandidates() throws -> [RetentionCandidate] {
        let objects = try storage.list(prefix: "")
        let sizes = Dictionary(objects.map { ($0.name, $0.size) }, uniquingKeysWith: { first, _ in first })
        return try sets().map { entry in
            guard entry.complete else { return RetentionCandidate(id: entry.id, complete: false, pinned: false) }
            guard let manifest = try? manifest(entry.id).manifest,
                  !manifest.files.isEmpty, manifest.files.allSatisfy({ sizes[entry.id.rawValue + "/" + $0.name] == $0.bytes }) else {
                return RetentionCandidate(id: entry.id, complete: true, pinned: nil)
            }
            let record = (try? storage.read(Self.pinName(entry.id))).flatMap { try? RepositoryRecords.decoder.decode(PinRecord.self, from: $0) }
            return RetentionCandidate(id: entry.id, complete: true, pinned: record?.pinned ?? manifest.pinned, source: manifest.source.identity)
        }
    }

    /// A set's pin as the manifest and a pin record say (`pins/<id>.json` overrides the manifest);
    /// a record that cannot be read counts as a pin, so nothing is lost.
    public func pinState(of id: BackupID, pinnedAtBackup: Bool) -> PinState {
        let record: PinRecord
        do {
            record = try RepositoryRecords.decoder.decode(PinRecord.self, from: try storage.read(Self.pinName(id)))
        } catch StorageError.notFound(_) {
            return pinnedAtBackup ? .pinnedAtBackup : .notPinned
        } catch {
            return .unreadableRecord("\(storage.location)/\(Self.pinName(id)): \(error)")
        }
        if record.pinned { return .pinned(record) }
        return pinnedAtBackup ? .unpinned(record) : .notPinned
    }

    /// The verification records of one set (or all), oldest first; unreadable ones skipped.
    public func verifications(of id: BackupID? = nil) -> [VerificationRecord] {
        ((try? storage.list(prefix: LocalRepository.verificationsFolder + "/")) ?? [])
            .filter { object in object.name.hasSuffix(".json") && (id.map { object.name.hasSuffix("-" + $0.rawValue + ".json") } ?? true) }
            .compactMap { try? RepositoryRecords.decoder.decode(VerificationRecord.self, from: storage.read($0.name)) }
            .sorted { $0.startedAt < $1.startedAt }
    }

    /// `pins/<id>.json`, as in a directory.
    static func pinName(_ id: BackupID) -> String { LocalRepository.pinsFolder + "/" + id.rawValue + ".json" }

    /// Pins or unpins a complete set; the caller holds the repository's lock.
    public func setPinned(_ pinned: Bool, _ id: BackupID, note: String?, holding lock: any RepositoryHold) throws {
        _ = lock
        let record = PinRecord(set: id.rawValue, pinned: pinned, at: Date(), by: LocalRepository.currentUser() + "@" + ProcessInfo.processInfo.hostName,
                               note: note)
        try storage.save(Self.pinName(id), data: try RepositoryRecords.encoder.encode(record), ifAbsent: false)
    }

    /// Keeps a drill report (the drill's JSON) as `drills/<time>-<random>-<id>.json`, never over
    /// another drill's (two may start in the same second).
    public func keepDrillReport(_ data: Data, of id: BackupID, startedAt: Date) throws {
        try storage.save(Self.drillReportName(id, startedAt: startedAt), data: data, ifAbsent: true)
    }

    /// `drills/<time>-<random>-<id>.json`: the name under `drills/` in the repository, and in a
    /// drill host's state folder.
    public static func drillReportName(_ id: BackupID, startedAt: Date) -> String {
        LocalRepository.drillsFolder + "/" + recordName(id, startedAt: startedAt)
    }

    /// `<start time>-<random>-<backup id>.json`: never another run's (two may start in the same
    /// second), sorted by time, and found by set from its end.
    static func recordName(_ id: BackupID, startedAt: Date) -> String {
        CompactTimestamp.string(from: startedAt) + "-" + String(format: "%08x", UInt32.random(in: 0...UInt32.max)) + "-" + id.rawValue + ".json"
    }

    /// Every drill report's bytes, by name (without `drills/`), in name order: oldest first.
    public func drillReports() -> [(name: String, data: Data)] {
        let prefix = LocalRepository.drillsFolder + "/"
        return ((try? storage.list(prefix: prefix)) ?? []).filter { $0.name.hasSuffix(".json") }.compactMap { object in
            (try? storage.read(object.name)).map { (String(object.name.dropFirst(prefix.count)), $0) }
        }
    }

    /// Keeps a verification record under `verifications/`, named as in a directory.
    public func keep(_ record: VerificationRecord) throws {
        let id = try BackupID(parsing: record.set)
        try storage.save(LocalRepository.verificationsFolder + "/" + Self.recordName(id, startedAt: record.startedAt),
                         data: try RepositoryRecords.encoder.encode(record), ifAbsent: true)
    }

    /// `removals/<id>.json`: prune's mark on a set it is about to remove.
    static func removalName(_ id: BackupID) -> String { "removals/" + id.rawValue + ".json" }

    /// Removes a set unless a reader holds it, without the race a look-then-delete has: prune
    /// first marks the set (`removals/<id>.json`), then looks for leases; a reader first writes
    /// its lease, then looks for the mark (`StorageLease`). Each writes before it reads, and the
    /// service reads its own writes, so at least one of them sees the other: prune backs off
    /// (removes the mark, keeps the set), or the reader waits until the mark is gone, and reads
    /// the set if it is still there. Returns the readers that kept it, empty when it was removed.
    public func removeUnlessRead(_ id: BackupID, holding lock: any RepositoryHold) throws -> [LockHolder] {
        _ = lock
        let mark = Self.removalName(id)
        try storage.save(mark, data: try HeldObject.encode(HeldObject.record(command: "arkiv prune")), ifAbsent: false)
        let readers = StorageLease.readers(of: id, in: storage)
        guard readers.isEmpty else {
            try storage.delete(mark)
            return readers
        }
        try remove(id)
        try storage.delete(mark)
        return []
    }

    /// Removes a set: its manifest first (a removal cut short leaves an incomplete set, never
    /// one that looks complete), then its other objects, then its pin and drill records.
    public func remove(_ id: BackupID) throws(StorageError) {
        try storage.delete(id.rawValue + "/" + LocalRepository.manifestName)
        for object in try storage.list(prefix: id.rawValue + "/") { try storage.delete(object.name) }
        try storage.delete(Self.pinName(id))
        for object in try storage.list(prefix: StorageLease.folder + "/" + id.rawValue + "/") { try storage.delete(object.name) }
        for folder in [LocalRepository.drillsFolder + "/", LocalRepository.verificationsFolder + "/"] {
            for object in try storage.list(prefix: folder) where object.name.hasSuffix("-" + id.rawValue + ".json") {
                try storage.delete(object.name)
            }
        }
    }
}

