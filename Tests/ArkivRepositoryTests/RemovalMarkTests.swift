import ArkivRepository
import Foundation
import Testing

/// Prune and a reader meeting on one set in storage without a kernel lock between them: prune
/// marks the set before it looks for leases, a reader leases before it looks for the mark, so
/// one of them always sees the other (`StoredSets.removeUnlessRead`, `StorageLease`).
@Suite("Removal marks")
struct RemovalMarkTests {
    typealias Backend = StorageConformanceTests.Backend

    /// A set as prune and readers see it: a manifest and one archive object.
    private func storedSet(in storage: any Storage) throws -> BackupID {
        let id = try BackupID(parsing: "20261203T101500Z-abc123")
        try storage.save(id.rawValue + "/manifest.json", data: Data("{}".utf8), ifAbsent: true)
        try storage.save(id.rawValue + "/vault.arkiv", data: Data(count: 100), ifAbsent: true)
        return id
    }

    /// Takes a lease on another thread; `wait` returns how that ended.
    final class LeaseAttempt: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private(set) var lease: StorageLease?
        private(set) var error: Error?

        init(storage: any Storage, id: BackupID, removalWait: TimeInterval = 60) {
            Thread.detachNewThread { [self] in
                do { lease = try StorageLease(storage: storage, set: id, command: "arkiv-restore", removalWait: removalWait) } catch { self.error = error }
                done.signal()
            }
        }

        func wait(seconds: Double) -> Bool { done.wait(timeout: .now() + seconds) == .success }
    }

    @Test("prune that finds a lease after marking takes its mark away and keeps the set", arguments: Backend.allCases)
    func pruneBacksOff(backend: Backend) throws {
        let storage = try backend.make()
        let id = try storedSet(in: storage)
        let lock = try StorageLock(storage: storage, command: "arkiv prune")
        defer { lock.release() }
        let lease = try StorageLease(storage: storage, set: id, command: "arkiv-drill")
        let readers = try StoredSets(storage: storage).removeUnlessRead(id, holding: lock)
        #expect(readers.map(\.command) == ["arkiv-drill"])
        #expect(try storage.stat(id.rawValue + "/manifest.json") != nil)
        #expect(try storage.list(prefix: "removals/").isEmpty)
        lease.release()
        #expect(try StoredSets(storage: storage).removeUnlessRead(id, holding: lock).isEmpty)
        #expect(try storage.list(prefix: id.rawValue + "/").isEmpty && storage.list(prefix: "removals/").isEmpty)
    }

    @Test("a reader that finds the mark waits: it reads the set when prune backs off, and fails as not found when prune removed it",
          arguments: Backend.allCases)
    func readerWaits(backend: Backend) throws {
        let storage = try backend.make()
        let id = try storedSet(in: storage)
        let mark = "removals/\(id.rawValue).json"

        // Prune has marked the set and not yet looked for leases; it then sees the reader's and backs off.
        try storage.save(mark, data: Data("{}".utf8), ifAbsent: false)
        let backedOff = LeaseAttempt(storage: storage, id: id)
        #expect(!backedOff.wait(seconds: 1.5), "the reader went on while the set was marked for removal")
        #expect(try storage.list(prefix: "leases/\(id.rawValue)/").count == 1, "its lease is written before it waits")
        try storage.delete(mark)
        #expect(backedOff.wait(seconds: 10) && backedOff.error == nil && backedOff.lease != nil)
        backedOff.lease?.release()

        // Prune did not see the lease (it came after the look) and removed the set.
        try storage.save(mark, data: Data("{}".utf8), ifAbsent: false)
        let tooLate = LeaseAttempt(storage: storage, id: id)
        #expect(!tooLate.wait(seconds: 1.5))
        try StoredSets(storage: storage).remove(id)
        try storage.delete(mark)
        #expect(tooLate.wait(seconds: 10))
        #expect((tooLate.error as? RepositoryError) == .setNotFound(repository: storage.location, id: id.rawValue))
    }

    @Test("a mark left by a prune that died: the reader gives up naming it and the fix, holding nothing; the next prune clears it",
          arguments: Backend.allCases)
    func leftoverMark(backend: Backend) throws {
        let storage = try backend.make()
        let id = try storedSet(in: storage)
        let mark = "removals/\(id.rawValue).json"
        try storage.save(mark, data: Data("{}".utf8), ifAbsent: false)
        let attempt = LeaseAttempt(storage: storage, id: id, removalWait: 1)
        #expect(attempt.wait(seconds: 10))
        let message = "\(attempt.error.map { "\($0)" } ?? "no error")"
        #expect(message.contains(mark) && message.contains("run arkiv-prune"), "\(message)")
        #expect(try storage.list(prefix: "leases/").isEmpty, "the reader that gave up left its lease behind")
        let lock = try StorageLock(storage: storage, command: "arkiv prune")
        defer { lock.release() }
        for leftover in StoredSets(storage: storage).leftovers(holding: lock) { try leftover.clear() }
        #expect(try storage.stat(mark) == nil)
        let reader = try StorageLease(storage: storage, set: id, command: "arkiv-restore", removalWait: 1)
        reader.release()
    }
}
