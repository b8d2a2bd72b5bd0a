import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("arkiv-drill command")
struct DrillCommandTests {
    @Test("a drill on the fixture passes and cleans up; on a damaged set it fails, names the failure and still drops the scratch",
          arguments: [TestServer.pg16])
    func drill(server: TestServer) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-drill-cli-\(UUID().uuidString)").path
        let identity = base + "-identity", repo = base + "-repo", metrics = base + "-arkiv.prom"
        let recipient = try runExecutable("arkiv", ["keygen", "-o", identity]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let environment = ["SOURCE_URL": try server.url(database: "workspace"), "DRILL_SERVER": try server.url()]
        let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--recipient", recipient,
                                                        "--schema", "crm", "--schema", "flow"], environment: environment)
        #expect(backup.status == 0, "\(backup.stderr)")

        let passed = try runExecutable("arkiv-drill", ["--repo", repo, "--target-env", "DRILL_SERVER", "--identity", identity,
                                                       "--metrics-file", metrics], environment: environment)
        #expect(passed.status == 0, "\(passed.stdout)\(passed.stderr)")
        #expect(passed.stdout.contains("PASSED"))
        #expect(passed.stdout.contains("(dropped)"))
        let admin = try server.connect()
        // Only this drill's scratch database: other tests drill on the same server meanwhile.
        let setID = try #require(try LocalRepository(path: repo).sets().first).id.rawValue
        let scratchQuery = "SELECT datname FROM pg_database WHERE datname LIKE 'arkiv_drill_' || lower(replace('\(setID)', '-', '_')) || '%'"
        #expect(try admin.query(scratchQuery).rows.isEmpty)
        let history = try FileManager.default.contentsOfDirectory(atPath: repo + "/drills")
        #expect(history.count == 1)
        let prometheus = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(prometheus.contains("arkiv_last_drill_success{repository=\"\(repo)\"} 1"), "\(prometheus)")
        // The drill's own names: the backup's metrics are the backup's to write.
        #expect(prometheus.contains("# TYPE arkiv_last_drill_set_timestamp_seconds gauge"))
        #expect(!prometheus.contains("arkiv_last_backup_"), "\(prometheus)")
        let backupSeconds = prometheus.split(separator: "\n").first { $0.hasPrefix("arkiv_last_drill_set_backup_duration_seconds{") }
            .flatMap { Double($0.split(separator: " ")[1]) }
        #expect(backupSeconds.map { $0 >= 0 && $0 < 120 } == true, "\(prometheus)")
        #expect(try LocalRepository(path: repo).sets().count == 1, "the drill history is not mistaken for a set")

        // Damage one archive: the drill must fail loudly and still clean up.
        let set = try #require(try LocalRepository(path: repo).sets().first)
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: set.path).first { $0.hasSuffix(".arkiv") })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: set.filePath(file)))
        bytes[bytes.count / 2] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: set.filePath(file)))
        let failed = try runExecutable("arkiv-drill", ["--repo", repo, "--target-env", "DRILL_SERVER", "--identity", identity,
                                                       "--metrics-file", metrics], environment: environment)
        #expect(failed.status != 0)
        #expect(failed.stdout.contains("FAILED"))
        #expect(failed.stdout.contains(file), "the report names the damaged file")
        #expect(try admin.query(scratchQuery).rows.isEmpty)
        #expect(try String(contentsOfFile: metrics, encoding: .utf8).contains("arkiv_last_drill_success{repository=\"\(repo)\"} 0"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: repo + "/drills").count == 2)
    }

    @Test("--maintenance-work-mem reaches the drill's restore: a graph that will not fit is named before the load; a bad size is a usage error",
          arguments: [TestServer.pg16])
    func maintenanceWorkMemory(server: TestServer) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-drill-mwm-\(UUID().uuidString)").path
        let identity = base + "-identity", repo = base + "-repo"
        defer { for path in [identity, repo] { try? FileManager.default.removeItem(atPath: path) } }
        let recipient = try runExecutable("arkiv", ["keygen", "-o", identity]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let environment = ["SOURCE_URL": try server.url(database: "workspace"), "DRILL_SERVER": try server.url()]
        let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--recipient", recipient,
                                                        "--schema", "vault", "--schema", "billy", "--schema", "shared"], environment: environment)
        try #require(backup.status == 0, "\(backup.stderr)")
        let drill = try runExecutable("arkiv-drill", ["--repo", repo, "--target-env", "DRILL_SERVER", "--identity", identity,
                                                      "--maintenance-work-mem", "1MB"], environment: environment)
        #expect(drill.status == 0, "\(drill.stdout)\(drill.stderr)")
        #expect(drill.stderr.contains("embeddings_embedding_hnsw_idx") && drill.stderr.contains("maintenance_work_mem is 1 MB"), "\(drill.stderr)")
        let bad = try runExecutable("arkiv-drill", ["--repo", repo, "--target-env", "DRILL_SERVER", "--identity", identity,
                                                    "--maintenance-work-mem", "lots"], environment: environment)
        #expect(bad.status == 2 && bad.stderr.contains("--maintenance-work-mem takes a size"), "\(bad.stderr)")
    }
}

/// A drill drops only what it made: never a database an earlier drill was told to keep (someone
/// may be working in it), never one without its mark; always its own leftovers.
@Suite("Drill scratch ownership")
struct DrillOwnershipTests {
    @Test("drill --keep, work in that database, drill again: the kept database and the work survive; a leftover of a drill killed during verify is dropped; a database without a drill's mark is left alone",
          arguments: [TestServer.pg16])
    func dropsOnlyItsOwn(server: TestServer) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-drill-own-\(UUID().uuidString)").path
        let identity = base + "-identity", repo = base + "-repo"
        let recipient = try runExecutable("arkiv", ["keygen", "-o", identity]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let environment = ["SOURCE_URL": try server.url(database: "workspace"), "DRILL_SERVER": try server.url()]
        #expect(try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--recipient", recipient, "--schema", "flow"],
                                  environment: environment).status == 0)
        let drill = { (extra: [String]) throws -> (ProcessOutcome, String?) in
            let outcome = try runExecutable("arkiv-drill", ["--repo", repo, "--target-env", "DRILL_SERVER", "--identity", identity, "--json"] + extra,
                                            environment: environment)
            let report = try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
            return (outcome, report?["scratchDatabase"] as? String)
        }
        let admin = try server.connect()
        let exists = { (name: String) in try admin.queryRow("SELECT count(*) AS n FROM pg_database WHERE datname = $1", [name]).decode(Int.self, "n") == 1 }

        let (kept, keptName) = try drill(["--keep"])
        #expect(kept.status == 0, "\(kept.stderr)")
        let keptDatabase = try #require(keptName)
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(keptDatabase) WITH (FORCE)") }
        try server.connect(database: keptDatabase).execute("CREATE TABLE public.my_investigation (note text); INSERT INTO public.my_investigation VALUES ('keep me')")

        // A drill killed during its verification: its database, signed by a process that is gone.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let leftover = "arkiv_drill_leftover_\(UInt32.random(in: 0...UInt32.max))", unmarked = "arkiv_drill_unmarked_\(UInt32.random(in: 0...UInt32.max))"
        defer {
            try? admin.execute("DROP DATABASE IF EXISTS \(leftover) WITH (FORCE)")
            try? admin.execute("DROP DATABASE IF EXISTS \(unmarked) WITH (FORCE)")
        }
        try admin.execute("CREATE DATABASE \(leftover)")
        try admin.execute("CREATE DATABASE \(unmarked)")
        let mark = #"arkiv-restore {"at":"2026-12-01T00:00:00Z","drill":{"host":"\#(ProcessInfo.processInfo.hostName)","keep":false,"pid":\#(gone.processIdentifier)},"set":"x","state":"complete"}"#
        try admin.execute("COMMENT ON DATABASE \(leftover) IS \(try admin.quoteLiteral(mark))")

        let (again, againName) = try drill([])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(againName != keptDatabase, "every drill its own scratch database")
        #expect(try exists(keptDatabase), "the kept database survives a later drill")
        #expect(try server.connect(database: keptDatabase).queryRow("SELECT note FROM public.my_investigation")["note"] == "keep me")
        #expect(try !exists(leftover), "the interrupted drill's database was dropped")
        // (Any drill on this server drops it, when it starts first: tests run side by side.)
        #expect(try exists(unmarked), "a database without a drill's mark is not a drill's to drop")
        #expect(try !exists(try #require(againName)), "its own scratch database is gone")
    }
}
