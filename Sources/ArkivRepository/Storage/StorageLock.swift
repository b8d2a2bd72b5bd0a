import Foundation

/// The repository lock on object storage: an object `lock` created only if absent
/// (`If-None-Match: *`), holding who holds it, rewritten every minute while held, and taken over
/// when it has not been rewritten for `staleAfter` (its holder died: object storage has no
/// kernel to release it). After writing, the lock is read back: on a service that ignores the
/// condition, the second writer sees the first's record and gives up instead of both holding it.
public final class StorageLock: @unchecked Sendable {
    public static let objectName = "lock"
    /// A lock not rewritten for this long is stale. Far above the refresh interval, so a slow
    /// network never makes a live holder look dead.
    public static let staleAfter: TimeInterval = 15 * 60
    static let refreshEvery: TimeInterval = 60

    struct Record: Codable {
        var holder: LockHolder
        var refreshedAt: Date
    }

    public let storage: any Storage
    /// The holder whose stale lock was taken over, if any.
    public let staleHolder: LockHolder?
    private let record: Record
    private let lock = NSLock()
    private var timer: DispatchSourceTimer?
    private var released = false

    public init(storage: any Storage, command: String, now: Date = Date()) throws {
        self.storage = storage
        // Whole seconds: the record goes through ISO 8601 and must compare equal when read back.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let holder = LockHolder(pid: getpid(), host: ProcessInfo.processInfo.hostName, startedAt: now, command: command)
        record = Record(holder: holder, refreshedAt: now)
        var stale: LockHolder?
        do {
            try storage.save(Self.objectName, data: try Self.encode(record), ifAbsent: true)
        } catch StorageError.alreadyExists(_) {
            let existing = try? Self.decode(storage.read(Self.objectName))
            guard let existing, now.timeIntervalSince(existing.refreshedAt) > Self.staleAfter else {
                throw RepositoryError.locked(repository: storage.location, holder: existing?.holder)
            }
            stale = existing.holder
            try storage.delete(Self.objectName)
            do { try storage.save(Self.objectName, data: try Self.encode(record), ifAbsent: true) } catch StorageError.alreadyExists(_) {
                throw RepositoryError.locked(repository: storage.location, holder: (try? Self.decode(storage.read(Self.objectName)))?.holder)
            }
        }
        staleHolder = stale
        // Read back: proof that this writer, and no other, holds it.
        guard let written = try? Self.decode(storage.read(Self.objectName)), written.holder == holder else {
            throw RepositoryError.locked(repository: storage.location, holder: (try? Self.decode(storage.read(Self.objectName)))?.holder)
        }
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
        var fresh = record
        fresh.refreshedAt = Date()
        if let data = try? Self.encode(fresh) { try? storage.save(Self.objectName, data: data, ifAbsent: false) }
    }

    /// Stops refreshing and removes the lock, if it is still this holder's.
    public func release() {
        lock.lock()
        defer { lock.unlock() }
        guard !released else { return }
        released = true
        timer?.cancel()
        if let current = try? Self.decode(storage.read(Self.objectName)), current.holder == record.holder {
            try? storage.delete(Self.objectName)
        }
    }

    deinit { release() }

    static func encode(_ record: Record) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(record)
    }

    static func decode(_ data: Data) throws -> Record {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Record.self, from: data)
    }
}
