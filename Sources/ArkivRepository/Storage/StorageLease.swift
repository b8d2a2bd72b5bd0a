import Foundation

/// A reader's hold on a set in object storage (restore, drill, verify): an object
/// `leases/<set id>/<host>-<pid>-<random>.json`, rewritten every minute while held and deleted
/// on release. Prune keeps a set with a fresh lease; a stale one belongs to a reader that died
/// (nothing releases it for them) and is ignored and removed with the set.
public final class StorageLease: @unchecked Sendable {
    public static let folder = "leases"
    private let held: HeldObject

    /// Takes the lease, then waits (up to `removalWait`) while prune has the set marked for
    /// removal: prune either sees this lease and takes its mark away, or removes the set, which
    /// is then `setNotFound` here. See `StoredSets.removeUnlessRead`.
    public init(storage: any Storage, set id: BackupID, command: String, removalWait: TimeInterval = 120) throws {
        let record = HeldObject.record(command: command)
        let host = record.holder.host.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        let name = "\(Self.folder)/\(id.rawValue)/\(host)-\(record.holder.pid)-\(UInt32.random(in: 0...UInt32.max)).json"
        try storage.save(name, data: try HeldObject.encode(record), ifAbsent: true)
        held = HeldObject(storage: storage, name: name, record: record)
        do {
            try Self.waitWhileMarked(id, in: storage, timeout: removalWait)
        } catch {
            held.release()
            throw error
        }
    }

    private static func waitWhileMarked(_ id: BackupID, in storage: any Storage, timeout: TimeInterval) throws {
        let mark = StoredSets.removalName(id)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let marked = try storage.stat(mark) != nil
            guard try storage.stat(id.rawValue + "/" + LocalRepository.manifestName) != nil else {
                throw RepositoryError.setNotFound(repository: storage.location, id: id.rawValue)
            }
            guard marked else { return }
            guard Date() < deadline else {
                let holder = (try? HeldObject.read(mark, in: storage))?.holder
                throw RepositoryError.beingRemoved(repository: storage.location, id: id.rawValue, mark: mark, holder: holder)
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    public func release() { held.release() }

    /// Who reads a set now (fresh leases).
    public static func readers(of id: BackupID, in storage: any Storage) -> [LockHolder] {
        ((try? storage.list(prefix: "\(folder)/\(id.rawValue)/")) ?? []).compactMap { object in
            (try? HeldObject.read(object.name, in: storage)).flatMap { HeldObject.isStale($0) ? nil : $0.holder }
        }
    }
}
