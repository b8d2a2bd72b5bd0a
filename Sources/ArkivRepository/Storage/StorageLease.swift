import Foundation

/// A reader's hold on a set in object storage (restore, drill, verify): an object
/// `leases/<set id>/<host>-<pid>-<random>.json`, rewritten every minute while held and deleted
/// on release. Prune keeps a set with a fresh lease; one not rewritten for `StorageLock.staleAfter`
/// belongs to a reader that died (nothing releases it for them) and is ignored and removed.
public final class StorageLease: @unchecked Sendable {
    public static let folder = "leases"
    public let name: String
    private let storage: any Storage
    private var record: StorageLock.Record
    private let lock = NSLock()
    private var timer: DispatchSourceTimer?
    private var released = false

    public init(storage: any Storage, set id: BackupID, command: String) throws(StorageError) {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let host = ProcessInfo.processInfo.hostName
        record = StorageLock.Record(holder: LockHolder(pid: getpid(), host: host, startedAt: now, command: command), refreshedAt: now)
        name = "\(Self.folder)/\(id.rawValue)/\(host.filter { $0.isLetter || $0.isNumber || $0 == "-" })-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
        self.storage = storage
        do { try storage.save(name, data: try StorageLock.encode(record), ifAbsent: true) } catch let error as StorageError { throw error } catch {
            throw .consumer(name, message: "\(error)")
        }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + StorageLock.refreshEvery, repeating: StorageLock.refreshEvery)
        timer.setEventHandler { [weak self] in self?.refresh() }
        timer.resume()
        self.timer = timer
    }

    private func refresh() {
        lock.lock()
        defer { lock.unlock() }
        guard !released else { return }
        record.refreshedAt = Date()
        if let data = try? StorageLock.encode(record) { try? storage.save(name, data: data, ifAbsent: false) }
    }

    public func release() {
        lock.lock()
        defer { lock.unlock() }
        guard !released else { return }
        released = true
        timer?.cancel()
        try? storage.delete(name)
    }

    deinit { release() }

    /// Who reads a set now (fresh leases), and the stale lease objects of readers that died.
    public static func readers(of id: BackupID, in storage: any Storage, now: Date = Date()) -> (holders: [LockHolder], stale: [String]) {
        var holders: [LockHolder] = [], stale: [String] = []
        for object in (try? storage.list(prefix: "\(folder)/\(id.rawValue)/")) ?? [] {
            guard let record = try? StorageLock.decode(storage.read(object.name)) else { continue }
            if now.timeIntervalSince(record.refreshedAt) > StorageLock.staleAfter { stale.append(object.name) } else { holders.append(record.holder) }
        }
        return (holders, stale)
    }
}
