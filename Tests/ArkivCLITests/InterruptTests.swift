import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("Signals")
struct InterruptTests {
    @Test("SIGINT or SIGTERM during a backup cancels the COPYs, removes the set, frees the lock, exits non-zero",
          arguments: [SIGINT, SIGTERM])
    func interruptBackup(signal: Int32) throws {
        let server = TestServer.pg16
        try withScratchDatabase(on: server) { target in
            let admin = try Connection(target)
            // Large enough that the backup is still copying when the signal arrives.
            try admin.execute("""
                CREATE SCHEMA big;
                CREATE UNLOGGED TABLE big.rows (id int, payload text);
                INSERT INTO big.rows SELECT i, repeat(md5(i::text), 30) FROM generate_series(1, 300000) i;
                """)
            let repo = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-signal-\(UUID().uuidString)").path
            let process = Process()
            process.executableURL = try executableURL("arkiv-backup")
            process.arguments = ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption", "--schema", "big", "--codec", "zstd", "--level", "19"]
            process.environment = ProcessInfo.processInfo.environment.merging(["SOURCE_URL": try server.url(database: target.databaseName)]) { $1 }
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = Pipe()
            try process.run()
            // Wait until the COPY runs on the server.
            var copying = false
            for _ in 0..<200 where !copying {
                Thread.sleep(forTimeInterval: 0.05)
                copying = try admin.queryRow("""
                    SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %' AND state = 'active'
                    """).decode(Int.self, "n") > 0
            }
            #expect(copying, "the backup never started copying")
            kill(process.processIdentifier, signal)
            let sent = Date()
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(Date().timeIntervalSince(sent) < 5, "it stops promptly")
            #expect(process.terminationReason == .exit, "it exits by itself rather than being killed")
            #expect(process.terminationStatus == 1)
            #expect(stderr.contains(signal == SIGINT ? "SIGINT" : "SIGTERM"), "\(stderr)")
            let repository = try LocalRepository(path: repo)
            #expect(try repository.sets(includeIncomplete: true).isEmpty, "no set, complete or not")
            let lock = try repository.lock(command: "test")
            #expect(lock.staleHolder == nil, "the lock was released, not left behind")
            // A backend ends a moment after its client disconnects: allow it two seconds.
            var leftover = 1
            for _ in 0..<40 where leftover > 0 {
                leftover = try admin.queryRow("""
                    SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'arkiv-backup%'
                    """).decode(Int.self, "n")
                if leftover > 0 { Thread.sleep(forTimeInterval: 0.05) }
            }
            #expect(leftover == 0, "no backup session left on the server")
        }
    }
}
