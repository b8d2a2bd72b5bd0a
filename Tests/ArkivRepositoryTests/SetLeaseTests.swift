import ArkivArchive
@testable import ArkivRepository
import Foundation
import Testing

/// Readers lease the set they read; prune (`removeSet`) leaves a leased set alone, and a reader
/// that arrives while a set is being removed finds it gone, never half there.
@Suite("Set leases")
struct SetLeaseTests {
    private func repository(sets days: [Int]) throws -> (LocalRepository, [BackupID]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-lease-\(UUID().uuidString)").path
        let repository = try LocalRepository(path: path, create: true)
        let ids = try days.map { day -> BackupID in
            let id = try BackupID(date: Date(timeIntervalSince1970: 1_780_000_000 + Double(day) * 86400))
            let writer = try repository.createSet(id)
            let file = try writer.stageFile(named: "vault.arkiv")
            try Array("bytes".utf8).withUnsafeBytes { try file.write($0) }
            try file.commit()
            try writer.finish(manifest: Data("{}".utf8))
            return id
        }
        return (repository, ids)
    }

    private func holders(_ readers: SetReaders) -> [String] {
        guard case .inUse(let holders) = readers else { return [] }
        return holders.map { "\($0.command) \($0.pid)" }
    }

    @Test("a leased set is not removed, the holder is named; once released it is removed with its lease file")
    func leasedSetIsKept() throws {
        let (repository, ids) = try repository(sets: [1, 2])
        defer { try? FileManager.default.removeItem(atPath: repository.path) }
        let lock = try repository.lock(command: "test prune")
        #expect(repository.readers(of: ids[0]) == .free, "a set never read has no reader")
        #expect(!FileManager.default.fileExists(atPath: repository.leasePath(ids[0])), "and asking created no lease file")

        let lease = try repository.leaseSet(ids[0].rawValue, command: "arkiv-drill")
        #expect(lease.isHeld && lease.unheldReason == nil)
        #expect(lease.entry.id == ids[0])
        #expect(holders(repository.readers(of: ids[0])) == ["arkiv-drill \(getpid())"])
        #expect(repository.readers(of: ids[0]).description.hasPrefix("in use by arkiv-drill (pid \(getpid()) on "))
        do throws(RepositoryError) {
            try repository.removeSet(ids[0], holding: lock)
            Issue.record("a leased set was removed")
        } catch {
            guard case .setInUse(_, let id, let holders) = error else { throw error }
            #expect(id == ids[0].rawValue && holders.map(\.command) == ["arkiv-drill"])
            #expect(error.description.contains("is in use by arkiv-drill (pid \(getpid())"), "\(error)")
        }
        #expect(try repository.set(ids[0].rawValue).isComplete, "the held set is whole")

        lease.release()
        #expect(repository.readers(of: ids[0]) == .free)
        try repository.removeSet(ids[0], holding: lock)
        #expect(try repository.sets(includeIncomplete: true).map(\.id) == [ids[1]])
        #expect(!FileManager.default.fileExists(atPath: repository.leasePath(ids[0])), "the lease file goes with its set")
    }

    @Test("every live reader is named once per process; lines of readers that are gone are not, and the next lone reader clears them")
    func holdersOfSeveralReaders() throws {
        let (repository, ids) = try repository(sets: [1, 2])
        defer { try? FileManager.default.removeItem(atPath: repository.path) }
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let host = ProcessInfo.processInfo.hostName
        let line = { (pid: Int32, command: String) in
            #"{"pid":\#(pid),"host":"\#(host)","startedAt":"2026-11-25T03:15:00Z","command":"\#(command)"}"# + "\n"
        }
        // What a reader killed earlier left behind: ignored, and cleared by the next lone reader.
        try FileManager.default.createDirectory(atPath: repository.path + "/leases", withIntermediateDirectories: false)
        try Data((line(gone.processIdentifier, "arkiv-restore") + "not json\n").utf8)
            .write(to: URL(fileURLWithPath: repository.leasePath(ids[0])))
        #expect(repository.readers(of: ids[0]) == .free, "an unlocked file is no reader, whatever it says")

        let drill = try repository.leaseSet("latest", command: "arkiv-drill")
        #expect(drill.entry.id == ids[1], "latest is the newest complete set")
        let first = try repository.leaseSet(ids[0].rawValue, command: "arkiv-drill")
        let nested = try repository.leaseSet(ids[0].rawValue, command: "arkiv-restore")
        let text = try String(contentsOfFile: repository.leasePath(ids[0]), encoding: .utf8)
        #expect(!text.contains("\(gone.processIdentifier)") && !text.contains("not json"), "the first reader found itself alone and cleared the file: \(text)")
        // Another live process reading the set at the same time (pid 1 is always alive).
        let handle = try #require(FileHandle(forWritingAtPath: repository.leasePath(ids[0])))
        handle.seekToEndOfFile()
        handle.write(Data((line(1, "arkiv-verify archive") + line(gone.processIdentifier, "arkiv-restore")).utf8))
        try handle.close()
        #expect(holders(repository.readers(of: ids[0])) == ["arkiv-drill \(getpid())", "arkiv-verify archive 1"],
                "one line per live process, the outermost command (a drill's own restore is the drill)")
        first.release()
        #expect(holders(repository.readers(of: ids[0])).count == 2, "still held by the nested lease")
        nested.release()
        #expect(repository.readers(of: ids[0]) == .free)
        drill.release()
    }

    @Test("a reader that arrives while prune removes the set waits, then finds it gone; a removed set cannot be leased")
    func readerArrivingDuringRemoval() throws {
        let (repository, ids) = try repository(sets: [1, 2])
        defer { try? FileManager.default.removeItem(atPath: repository.path) }
        // Prune's side by hand: the lease exclusively, then the set removed, then the lease file.
        try FileManager.default.createDirectory(atPath: repository.path + "/leases", withIntermediateDirectories: false)
        let fd = open(repository.leasePath(ids[0]), O_RDWR | O_CREAT, 0o600)
        try #require(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        final class Outcome: @unchecked Sendable { var error: RepositoryError?; var leased = false; var done = false }
        let outcome = Outcome()
        let reader = Thread {
            do throws(RepositoryError) {
                let lease = try repository.leaseSet(ids[0].rawValue, command: "arkiv-restore")
                outcome.leased = lease.isHeld
            } catch { outcome.error = error }
            outcome.done = true
        }
        reader.start()
        Thread.sleep(forTimeInterval: 0.3)
        #expect(!outcome.done, "the reader waits while prune holds the lease")
        try FileManager.default.removeItem(atPath: repository.path + "/" + ids[0].rawValue)
        unlink(repository.leasePath(ids[0]))
        close(fd)
        #expect(waitFor { outcome.done })
        #expect(!outcome.leased)
        #expect(outcome.error == .setNotFound(repository: repository.path, id: ids[0].rawValue), "\(String(describing: outcome.error))")
        #expect(!FileManager.default.fileExists(atPath: repository.leasePath(ids[0])), "the reader left no lease file for the gone set")

        #expect(throws: RepositoryError.setNotFound(repository: repository.path, id: ids[0].rawValue)) {
            try repository.leaseSet(ids[0].rawValue, command: "arkiv-restore")
        }
    }

    private func waitFor(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while !condition() && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return condition()
    }
}
