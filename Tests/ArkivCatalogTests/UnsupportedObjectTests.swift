import ArkivCatalog
import ArkivPostgres
import ArkivTestSupport
import Testing

@Suite("Unsupported objects")
struct UnsupportedObjectTests {
    @Test("aggregates and large objects are reported by name",
          arguments: TestServer.allCases)
    func reported(server: TestServer) throws {
        try withScratchDatabase(on: server) { target in
            let c = try Connection(target)
            try c.execute(
                """
                CREATE SCHEMA odd;
                CREATE TABLE odd.t (id integer, doc oid);
                CREATE TABLE odd.log (id integer);
                CREATE AGGREGATE odd.total(integer) (SFUNC = int4pl, STYPE = integer);
                SELECT lo_create(0);
                """)
            let snapshot = try readCatalog(target, schemas: ["odd"])
            let reported = Set(snapshot.unsupported.map { "\($0.kind) \($0.name)" })
            #expect(reported.contains("aggregate odd.total(integer)"), "\(reported)")
            #expect(reported.contains("large-object column odd.t.doc"), "\(reported)")
            #expect(!reported.contains { $0.hasPrefix("large objects") }, "counted, not refused: \(reported)")
            #expect(snapshot.largeObjectCount == 1)
            #expect(snapshot.unsupported.allSatisfy { !$0.reason.isEmpty })
            // What can be dumped still is.
            #expect(snapshot.tables.map(\.name).sorted() == ["log", "t"])
        }
    }

    @Test("an object that needs something outside the dumped schemas is recorded, not refused", arguments: TestServer.allCases)
    func externalDependency(server: TestServer) throws {
        try withScratchDatabase(on: server) { target in
            let c = try Connection(target)
            try c.execute(
                """
                CREATE SCHEMA inside; CREATE SCHEMA outside;
                CREATE TYPE outside.color AS ENUM ('red');
                CREATE TABLE inside.paint (id integer, color outside.color);
                """)
            let snapshot = try readCatalog(target, schemas: ["inside"])
            #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
            #expect(snapshot.externalDependencies.contains { $0.object == "inside.paint" && $0.needs.contains("outside.color") },
                    "\(snapshot.externalDependencies)")
        }
    }

    @Test("a schema that does not exist fails the read")
    func missingSchema() throws {
        let connection = try TestServer.pg16.connect(database: "workspace")
        #expect(throws: CatalogError.self) { try CatalogReader(connection: connection).read(schemas: ["vault", "no_such"], options: CatalogOptions()) }
    }
}
