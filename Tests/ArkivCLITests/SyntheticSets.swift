import ArkivArchive
import ArkivRepository
import Foundation

/// A repository of made-up but well-formed sets (real manifests, files whose size and SHA-256
/// match them), for the commands that never decrypt: list, show, pin, prune, verify --quick.
struct SyntheticRepository {
    let repository: LocalRepository
    var path: String { repository.path }

    init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-synthetic-\(UUID().uuidString)").path
        repository = try LocalRepository(path: path, create: true)
    }

    /// `day` at 03:15 UTC (`2026-11-25`).
    static func night(_ day: String, hour: Int = 3) -> Date {
        CompactTimestamp.date(from: day.replacingOccurrences(of: "-", with: "") + String(format: "T%02d1500Z", hour))
            ?? Date(timeIntervalSince1970: 0)
    }

    /// A complete set taken at `date`: one archive file, a manifest listing it.
    @discardableResult
    func addSet(at date: Date, label: String? = nil, pinned: Bool = false) throws -> BackupID {
        let id = try BackupID(date: date, label: label)
        let folder = path + "/" + id.rawValue
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let bytes = (0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(date.timeIntervalSince1970)) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/01-vault.arkiv"))
        let manifest = Manifest(
            tool: "arkiv test", backupID: id.rawValue, setID: try BackupSetID.generate(), createdAt: id.createdAt,
            label: id.label, pinned: pinned,
            source: .init(target: "backup@db.internal:5432/tekup_db", database: "tekup_db", serverVersion: "16.14", serverVersionNumber: 160014),
            encryption: .unencrypted, codec: .init(name: "zstd", level: 3),
            schemas: [.init(name: "vault", file: "01-vault.arkiv")],
            files: [.init(name: "01-vault.arkiv", schema: "vault", bytes: UInt64(bytes.count), sha256: Hex.encode(try SHA256.hash(bytes)))],
            tables: [
                .init(schema: "vault", name: "documents", file: "01-vault.arkiv", copyFormat: "binary", rows: 4242,
                      plaintextBytes: 9_876_543, storedBytes: 1_234_567, contentHash: ContentHash.zero.description, parts: [],
                      vectorColumns: [.init(name: "embedding", declaredDimension: 1536, nullCount: 17, minDimension: 1536, maxDimension: 1536)]),
                .init(schema: "vault", name: "audit_log", file: "01-vault.arkiv", copyFormat: "text", rows: 0,
                      plaintextBytes: 0, storedBytes: 0, contentHash: ContentHash.zero.description, parts: []),
            ],
            excluded: [.init(kind: "table data", name: "vault.audit_log", reason: "--exclude-table-data")])
        try ManifestCodec.encode(manifest, dataKey: nil).write(to: URL(fileURLWithPath: folder + "/" + LocalRepository.manifestName))
        return id
    }

    /// A set folder without a manifest: a backup that died (or is still running).
    @discardableResult
    func addIncompleteSet(at date: Date) throws -> BackupID {
        let id = try BackupID(date: date)
        let folder = path + "/" + id.rawValue
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try Data("half".utf8).write(to: URL(fileURLWithPath: folder + "/.01-vault.arkiv.partial"))
        return id
    }

    /// Every path below the repository with its size and modification time: "changed nothing" made
    /// checkable. The lock file is left out: taking and releasing the lock is what it is for.
    func snapshot() -> [String: String] {
        var result: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: path) else { return result }
        while let name = walker.nextObject() as? String {
            guard name != "lock" else { continue }
            var info = stat()
            guard lstat(path + "/" + name, &info) == 0 else { continue }
            result[name] = "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }
        return result
    }
}
