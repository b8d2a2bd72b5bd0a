@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("verify compare")
struct CompareVerifierTests {
    @Test("the fixture and its restored copy compare equal; one changed row is named", arguments: TestServer.allCases)
    func compare(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = BackupTests.workspaceSchemas
            _ = try fixture.backup(backupOptions)
            let restored = try fixture.restore(try fixture.restoreOptions(server: server))
            defer { BackupFixture.drop(restored.database, on: server) }

            var verifier = CompareVerifier(source: source, target: try server.target(database: restored.database))
            verifier.schemas = BackupTests.workspaceSchemas
            let equal = try verifier.run()
            #expect(equal.passed, "\(equal.differences.prefix(10))")
            // 53 tables and the materialized view renos.mv_monthly_revenue.
            #expect(equal.checks.filter { $0.check == "content hash" }.count == 54)
            #expect(equal.checks.contains { $0.object == "renos.mv_monthly_revenue" && $0.check == "rows" && $0.passed })
            #expect(equal.checks.filter { $0.check == "sequence state" }.count > 5)

            let target = try server.connect(database: restored.database)
            try target.execute("UPDATE flow.\"FlowVariable\" SET key = key || '!' WHERE ctid = (SELECT min(ctid) FROM flow.\"FlowVariable\")")
            let changed = try verifier.run()
            #expect(changed.differences.map { "\($0.object) \($0.check)" } == ["flow.FlowVariable content hash"], "\(changed.differences)")
        }
    }
}
