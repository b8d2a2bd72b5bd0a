import Foundation

/// A record object that says "this process holds it" in object storage, where no kernel
/// releases anything when a process dies: rewritten every minute while held, so that one not
/// rewritten for `staleAfter` belongs to a holder that is gone. The lock and the reader leases
/// of a bucket are both this.
final class HeldObject: @unchecked Sendable {
    struct Record: Codable {
        var holder: LockHolder
        var refreshedAt: Date
    }

    /// Far above the refresh interval, so a slow network never makes a live holder look dead.
    static let staleAfter: TimeInterval = 15 * 60
    static let refreshEvery: TimeInterval = 60

    let storage: any Storage
    let name: String
    private(set) var record: Record
    private let lock = NSLock()
    private var timer: DispatchSourceTimer?
    private var released = false

    /// A record for this process, started now (whole seconds: it goes through ISO 8601 and must
    /// compare equal when read back).
    static func record(command: String) -> Record {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        return Record(holder: LockHolder(pid: getpid(), host: ProcessInfo.processInfo.hostName, startedAt: now, command: command), refreshedAt: now)
    }

    /// Starts refreshing `record`, which the caller has written as `name`.
    init(storage: any Storage, name: String, record: Record) {
        self.storage = storage
        self.name = name
        self.record = record
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + Self.refreshEvery, repeating: Self.refreshEvery)
        timer.setEventHandler { [weak self] in self?.refresh() }
        timer.resume()
        self.timer = timer
    }

    private func refresh() {
        lock.lock()
        defer { lock.unlock() }
        guard !released else { return }
        record.refreshedAt = Date()
        if let data = try? Self.encode(record) { try? storage.save(name, data: data, ifAbsent: false) }
    }

    /// Stops refreshing and deletes the object, if it still holds this holder's record.
    func release() {
        lock.lock()
        defer { lock.unlock() }
        guard !released else { return }
        released = true
        timer?.cancel()
        if let current = try? Self.read(name, in: storage), current.holder == record.holder {
            try? storage.delete(name)
        }
    }

    deinit { release() }

    static func encode(_ record: Record) throws -> Data { try RepositoryRecords.encoder.encode(record) }

    static func read(_ name: String, in storage: any Storage) throws -> Record {
        try RepositoryRecords.decoder.decode(Record.self, from: storage.read(name))
    }

    static func isStale(_ record: Record, now: Date = Date()) -> Bool { now.timeIntervalSince(record.refreshedAt) > staleAfter }
}
