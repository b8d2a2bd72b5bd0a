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
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-notice-\(UUID().uuidString).jsonl")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: log) }
            let handle = try FileHandle(forWritingTo: log)
            let result = try RestoreRunner(options: options, reporter: ProgressReporter(mode: .jsonLines, output: handle)).run()
            try handle.close()
            defer { BackupFixture.drop(result.database, on: .pg16) }
            let warnings = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("\"warning\"") }
            #expect(warnings.contains { $0.contains("embeddings_embedding_hnsw_idx") && $0.contains("maintenance_work_mem") }, "\(warnings)")
            let valid = try TestServer.pg16.connect(database: name).queryRow(
                "SELECT indisvalid AS v FROM pg_index WHERE indexrelid = 'vault.embeddings_embedding_hnsw_idx'::regclass").decode(Bool.self, "v")
            #expect(valid)
        }
    }
}
