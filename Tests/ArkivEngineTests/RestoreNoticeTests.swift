@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("What the server says during a restore")
struct RestoreNoticeTests {
    @Test("an HNSW graph that outgrows maintenance_work_mem is reported, naming the index, and the restore still completes")
    func hnswOutgrowsMemory() throws {
        try withScratchDatabase(on: .pg16, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["vault", "billy", "shared"]
            _ = try fixture.backup(backupOptions)
            let name = "arkiv_notice_\(UInt32.random(in: 0...UInt32.max))"
            var options = try fixture.restoreOptions(server: .pg16, destination: .scratch(name: name))
            // The scale-1 fixture's graph (1536-d vectors, 6 KB each) does not fit in 1 MB.
            options.maintenanceWorkMemory = "1MB"
            let (result, warnings) = try Self.restoreCollectingWarnings(options)
            defer { BackupFixture.drop(result.database, on: .pg16) }
            // Said twice: estimated before a byte was loaded, then by the server once it happens.
            let estimated = try #require(warnings.firstIndex { $0.contains("embeddings_embedding_hnsw_idx") && $0.contains("needs about") },
                                         "\(warnings)")
            let told = try #require(warnings.firstIndex { $0.contains("embeddings_embedding_hnsw_idx") && $0.contains("no longer fits") },
                                    "\(warnings)")
            #expect(estimated < told)
            #expect(warnings[estimated].contains("--maintenance-work-mem"))
            // The estimate per vector against the server's own count of what fitted in 1 MB.
            let line = String(warnings[told])
            let tuples = try #require(line.range(of: #"after [0-9]+ tuples"#, options: .regularExpression).map { Double(line[$0].filter(\.isNumber)) ?? 0 })
            let perVector = Double(VectorIndexMemory.elementBytes(dimension: 1536, bytesPerDimension: 4, m: 16))
            #expect(abs(perVector * tuples - 1_048_576) < 0.05 * 1_048_576, "\(tuples) tuples fitted; estimated \(perVector) bytes each")
            let valid = try TestServer.pg16.connect(database: name).queryRow(
                "SELECT indisvalid AS v FROM pg_index WHERE indexrelid = 'vault.embeddings_embedding_hnsw_idx'::regclass").decode(Bool.self, "v")
            #expect(valid)
        }
    }

    @Test("a parallel HNSW build that finds too little shared memory (Docker's 64 MB /dev/shm) is built again without workers, naming the fix")
    func parallelBuildWithoutSharedMemory() throws {
        // Docker's defaults: 64 MB of /dev/shm, and maintenance_work_mem 64 MB, which is the size
        // of a parallel HNSW build's graph segment, so it cannot be had.
        let server = try OwnTestServer(folder: "/tmp/arkiv-shm-servers", options: ["--no-fixture", "--shm-size", "16m"])
        defer { server.stop() }
        let admin = try Connection(server.url, applicationName: "arkiv-tests")
        try admin.execute("ALTER SYSTEM SET maintenance_work_mem = '64MB'")
        // The scale-1 table is small: without this the server plans no parallel workers for it.
        try admin.execute("ALTER SYSTEM SET min_parallel_table_scan_size = 0")
        try admin.execute("SELECT pg_catalog.pg_reload_conf()")
        try withScratchDatabase(on: .pg16, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["vault", "billy", "shared"]
            _ = try fixture.backup(backupOptions)
            var options = RestoreOptions(repository: fixture.repository, set: "latest", target: try ConnectionTarget(server.url),
                                         destination: .scratch(name: "restored"))
            options.identities = [fixture.identity]
            options.jobs = 2
            let (result, warnings) = try Self.restoreCollectingWarnings(options)
            #expect(result.database == "restored")
            #expect(warnings.contains {
                $0.contains("embeddings_embedding_hnsw_idx") && $0.contains("could not resize shared memory segment") && $0.contains("--shm-size")
            }, "\(warnings)")
            let restored = try Connection(server.url(database: "restored"), applicationName: "arkiv-tests")
            let valid = try restored.queryRow(
                "SELECT indisvalid AS v FROM pg_index WHERE indexrelid = 'vault.embeddings_embedding_hnsw_idx'::regclass").decode(Bool.self, "v")
            #expect(valid)
            #expect(try RestoreMarker.read(on: restored)?.state == .complete)
        }
    }

    /// Restores with JSON-lines progress and returns the result and the warning lines.
    private static func restoreCollectingWarnings(_ options: RestoreOptions) throws -> (RestoreResult, [Substring]) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-notice-\(UUID().uuidString).jsonl")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        let result = try RestoreRunner(options: options, reporter: ProgressReporter(mode: .jsonLines, output: handle)).run()
        try handle.close()
        let warnings = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("\"warning\"") }
        return (result, warnings)
    }
}
