import ArkivCatalog
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("Catalog DDL of the workspace fixture")
struct WorkspaceOracleTests {
    @Test("the six schemas restored from catalog DDL dump exactly like the source", arguments: TestServer.allCases)
    func workspaceRoundTrip(server: TestServer) throws {
        let snapshot = try readCatalog(try server.target(database: "workspace"), schemas: workspaceSchemas)
        #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
        #expect(snapshot.tables.count == 53)
        let source = try schemaDump(server, database: "workspace", schemas: workspaceSchemas)
        #expect(source.count > 1000, "the oracle must have something to compare")
        if let path = ProcessInfo.processInfo.environment["ARKIV_CATALOG_SCRIPT"] {
            let script = (snapshot.preDataInOrder + snapshot.postDataInOrder).map { "-- \($0.position) \($0.kind) \($0.name) <- \($0.dependsOn ?? [])\n\($0.sql)" }
            try script.joined(separator: "\n").write(toFile: "\(path).\(server)", atomically: true, encoding: .utf8)
        }
        try withScratchDatabase(on: server) { target in
            try apply(snapshot, to: target)
            let restored = try schemaDump(server, database: try databaseName(target), schemas: workspaceSchemas)
            #expect(source == restored, "\(difference(source, restored))")
        }
    }
}
