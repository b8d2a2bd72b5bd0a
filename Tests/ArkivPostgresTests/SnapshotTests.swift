import ArkivPostgres
import ArkivTestSupport
import Testing

@Suite("Snapshots")
struct SnapshotTests {
    @Test("an imported snapshot sees exactly what the exporter saw", arguments: TestServer.allCases)
    func exportImport(server: TestServer) throws {
        try withScratchDatabase(on: server) { target in
            let writer = try Connection(target)
            try writer.execute("CREATE TABLE a (id int); CREATE TABLE b (id int); INSERT INTO a SELECT generate_series(1, 10)")
            let exporter = try Connection(target)
            let snapshot = try exporter.beginExportedSnapshot()
            // Committed after the snapshot: invisible to it, in both tables.
            try writer.execute("INSERT INTO a SELECT generate_series(11, 20); INSERT INTO b VALUES (1)")
            let importer = try Connection(target)
            try importer.beginTransaction(importing: snapshot)
            #expect(try importer.queryRow("SELECT count(*) AS n FROM a")["n"] == "10")
            #expect(try importer.queryRow("SELECT count(*) AS n FROM b")["n"] == "0")
            #expect(try writer.queryRow("SELECT count(*) AS n FROM a")["n"] == "20")
            // The imported transaction is read-only.
            #expect(throws: PostgresError.self) { try importer.execute("INSERT INTO b VALUES (2)") }
            try importer.rollback()
            try exporter.commit()
        }
    }

    @Test("importing an unknown snapshot fails clearly", arguments: TestServer.allCases)
    func unknownSnapshot(server: TestServer) throws {
        let connection = try server.connect()
        let error = try #require(throws: PostgresError.self) {
            try connection.beginTransaction(importing: SnapshotID("00000003-0000001B-1"))
        }
        // 15 and 16 call an unknown snapshot an invalid identifier; 17 says it does not exist.
        #expect(error.sqlState == (server.majorVersion >= 17 ? "42704" : "22023"))
        // The failed import does not leave a transaction open.
        #expect(try connection.queryRow("SELECT 1 AS one")["one"] == "1")
    }
}
