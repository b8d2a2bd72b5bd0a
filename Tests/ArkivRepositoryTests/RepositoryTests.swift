@testable import ArkivRepository
import Foundation
import Testing

private func temporaryRepository() throws -> LocalRepository {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-repo-\(UUID().uuidString)").path
    return try LocalRepository(path: path, create: true)
}

@Suite("Backup ids")
struct BackupIDTests {
    @Test("ids carry their UTC time, sort by it, and keep a clean label")
    func generateAndParse() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T11:06:40Z
        #expect(throws: RepositoryError.self) { _ = try BackupID(date: date, label: "Pre-Cutover") }
        let id = try BackupID(date: date, label: "pre-cutover")
        #expect(id.rawValue.hasPrefix("20261118T110640Z-"))
        #expect(id.rawValue.hasSuffix("-pre-cutover"))
        #expect(id.label == "pre-cutover")
        #expect(id.createdAt == date)
        #expect(try BackupID(parsing: id.rawValue) == id)
        let later = try BackupID(date: date.addingTimeInterval(1))
        #expect(id < later)
        #expect(later.label == nil)
    }

    @Test("two sets of the same second sort by time, not by their random part")
    func sameSecond() throws {
        let second = Date(timeIntervalSince1970: 1_795_000_000)
        for _ in 0..<50 {
            let early = try BackupID(date: second.addingTimeInterval(0.010)), late = try BackupID(date: second.addingTimeInterval(0.900))
            #expect(early < late, "\(early) \(late)")
            #expect(early.createdAt == late.createdAt)
        }
    }

    @Test("anything that is not an id is refused, so no name becomes a path", arguments: [
        "", "latest", "../20261118T074640Z-abcdef", "20261118T074640Z-abcdef/../x", "20261118T074640Z-ABCDEF",
        "20261118T074640Z-abcde", "20261131T074640Z-abcdef", "20261118T074640Z-abcdef-", "20261118T074640Z-abcdef-a b",
        "20261118T074640Z-abcdef-../x", "2026111xT074640Z-abcdef",
    ])
    func rejects(text: String) {
        #expect(throws: RepositoryError.self) { try BackupID(parsing: text) }
    }

    @Test("labels with anything but letters, digits and dashes are refused")
    func badLabels() {
        for label in ["a/b", "../x", "", " ", "æøå", String(repeating: "a", count: 41), "-x"] {
            #expect(throws: RepositoryError.self) { try BackupID(label: label) }
        }
    }
}

@Suite("Local repository")
struct LocalRepositoryTests {
    @Test("a set is listed only once its manifest is written; files appear only when committed")
    func completeness() throws {
        let repository = try temporaryRepository()
        let id = try BackupID(label: "nightly")
        let set = try repository.createSet(id)
        let file = try set.stageFile(named: "vault.arkiv")
        try Array("archive bytes".utf8).withUnsafeBytes { try file.write($0) }
        #expect(!FileManager.default.fileExists(atPath: file.finalPath))
        #expect(try repository.sets().isEmpty)
        #expect(try repository.sets(includeIncomplete: true).map(\.id) == [id])
        #expect(throws: RepositoryError.setIncomplete(repository: repository.path, id: id.rawValue)) {
            try repository.set(id.rawValue)
        }
        try file.commit()
        #expect(FileManager.default.fileExists(atPath: file.finalPath))
        #expect(!FileManager.default.fileExists(atPath: file.temporaryPath))
        try set.finish(manifest: Data("{}".utf8))
        #expect(try repository.sets().map(\.id) == [id])
        #expect(try repository.set("latest").id == id)
        #expect(try repository.set(id.rawValue).totalBytes == 15)
    }

    @Test("a discarded set leaves nothing behind; a finished one is never discarded")
    func discard() throws {
        let repository = try temporaryRepository()
        let failed = try repository.createSet(try BackupID())
        _ = try failed.stageFile(named: "a.arkiv")
        failed.discard()
        #expect(try repository.sets(includeIncomplete: true).isEmpty)
        let good = try repository.createSet(try BackupID(date: Date().addingTimeInterval(5)))
        try good.finish(manifest: Data("{}".utf8))
        good.discard()
        #expect(try repository.sets().count == 1)
    }

    @Test("set file names cannot escape the set folder", arguments: ["../x", "a/b", ".hidden", "", "manifest.json"])
    func fileNames(name: String) throws {
        let repository = try temporaryRepository()
        let set = try repository.createSet(try BackupID())
        #expect(throws: RepositoryError.self) { try set.stageFile(named: name) }
    }

    @Test("a missing repository is not created unless asked, and a file is not a repository")
    func opening() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-missing-\(UUID().uuidString)").path
        #expect(throws: RepositoryError.self) { try LocalRepository(path: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect(throws: RepositoryError.notADirectory(path)) { try LocalRepository(path: path, create: true) }
    }

    @Test("unknown ids and an empty repository give errors that say what to do")
    func lookups() throws {
        let repository = try temporaryRepository()
        let latest = try #require(throws: RepositoryError.self) { try repository.set("latest") }
        #expect(latest.description.contains("arkiv list"))
        #expect(throws: RepositoryError.setNotFound(repository: repository.path, id: "20260101T000000Z-000000")) {
            try repository.set("20260101T000000Z-000000")
        }
    }
}

@Suite("Repository lock")
struct RepositoryLockTests {
    @Test("a second holder is refused at once and told who holds the lock")
    func exclusive() throws {
        let repository = try temporaryRepository()
        let first = try repository.lock(command: "arkiv-backup")
        let error = try #require(throws: RepositoryError.self) { try repository.lock(command: "arkiv-prune") }
        guard case .locked(_, let holder) = error else {
            Issue.record("expected .locked, got \(error)")
            return
        }
        #expect(holder?.pid == getpid())
        #expect(holder?.command == "arkiv-backup")
        #expect(error.description.contains("arkiv-backup (pid \(getpid())"))
        first.release()
        let second = try repository.lock(command: "arkiv-prune")
        #expect(second.staleHolder == nil, "a clean release leaves no holder record")
    }

    @Test("a lock left by a killed process is taken over and reported as stale")
    func staleLock() throws {
        let repository = try temporaryRepository()
        // A holder that was kill -9'ed: its record is there, its flock died with it.
        let process = Process()
        // One process that holds the flock itself (flock(1) would leave it to a child).
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c",
                             "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)",
                             repository.path + "/lock"]
        try process.run()
        var waited = 0
        while (try? repository.lock(command: "probe")) != nil, waited < 100 {
            Thread.sleep(forTimeInterval: 0.05)
            waited += 1
        }
        #expect(throws: RepositoryError.self) { try repository.lock(command: "arkiv-backup") }
        let record = #"{"pid":99999,"host":"old-host","startedAt":"2026-01-01T00:00:00Z","command":"arkiv-backup"}"#
        try record.write(toFile: repository.path + "/lock", atomically: false, encoding: .utf8)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let lock = try repository.lock(command: "arkiv-backup")
        #expect(lock.staleHolder?.pid == 99999)
        #expect(lock.staleHolder?.host == "old-host")
    }
}
