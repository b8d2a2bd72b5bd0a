import ArkivCatalog
import ArkivPostgres
import ArkivTestSupport
import Testing

@Suite("Partitioned tables")
struct PartitionTests {
    @Test("a partitioned table, its partitions and their indexes round-trip; only partitions carry data",
          arguments: TestServer.allCases)
    func partitions(server: TestServer) throws {
        var options = CatalogOptions()
        options.excludeTableData = [QualifiedName(schema: "parts", name: "skipped")]
        let snapshot = try roundTrip(server, schemas: ["parts"], options: options) { c in
            try c.execute(
                """
                CREATE SCHEMA parts;
                CREATE TABLE parts.accounts (id integer PRIMARY KEY);
                CREATE TABLE parts.events (
                    id bigint NOT NULL,
                    account_id integer REFERENCES parts.accounts (id),
                    happened date NOT NULL,
                    payload jsonb DEFAULT '{}'::jsonb,
                    PRIMARY KEY (id, happened),
                    CHECK (id > 0)
                ) PARTITION BY RANGE (happened);
                CREATE TABLE parts.events_2024 PARTITION OF parts.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
                -- Made on its own with its columns in another order, then attached.
                CREATE TABLE parts.events_2025 (happened date NOT NULL, payload jsonb DEFAULT '[]'::jsonb, account_id integer,
                                                id bigint NOT NULL, CONSTRAINT events_id_check CHECK (id > 0));
                ALTER TABLE parts.events ATTACH PARTITION parts.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
                CREATE INDEX events_payload ON parts.events USING gin (payload);
                CREATE INDEX events_account ON parts.events (account_id) INCLUDE (happened);
                CREATE TRIGGER events_noop BEFORE INSERT ON parts.events FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
                CREATE TABLE parts.skipped (id integer);
                CREATE TABLE parts.parent_legacy (id integer, note text);
                CREATE TABLE parts.child_legacy (extra text) INHERITS (parts.parent_legacy);
                """)
        }
        #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
        let tables = snapshot.preDataInOrder.filter { $0.kind == "table" }
        #expect(tables.filter { $0.name == "parts.events" }.count == 1)
        #expect(tables.first { $0.name == "parts.events" }?.sql.contains("PARTITION BY RANGE (happened)") == true)
        #expect(tables.first { $0.name == "parts.events_2024" }?.sql.contains("PARTITION OF \"parts\".\"events\" FOR VALUES FROM") == true)
        #expect(snapshot.preDataInOrder.contains { $0.kind == "partition-attach" && $0.name == "parts.events_2025" && $0.sql.contains("FOR VALUES FROM") })
        func table(_ name: String) -> TableInfo? { snapshot.table(QualifiedName(schema: "parts", name: name)) }
        #expect(table("events")?.kind == .partitioned)
        #expect(table("events")?.isDataDumped == false)
        #expect(table("events_2024")?.kind == .partition)
        #expect(table("events_2024")?.partitionOf == QualifiedName(schema: "parts", name: "events"))
        #expect(table("events_2024")?.isDataDumped == true)
        #expect(table("events_2025")?.isDataDumped == true)
        #expect(table("skipped")?.isDataDumped == false)
        #expect(table("accounts")?.isDataDumped == true)
        #expect(table("child_legacy")?.isDataDumped == true)
        // The trigger is cloned onto the partitions by the parent's; only the parent's is dumped.
        #expect(snapshot.postDataInOrder.filter { $0.kind == "trigger" }.map(\.name) == ["parts.events.events_noop"])
    }

    @Test("excluding a partitioned table's data excludes its partitions'", arguments: [TestServer.pg16])
    func excludedParent(server: TestServer) throws {
        try withScratchDatabase(on: server) { target in
            let c = try Connection(target)
            try c.execute(
                """
                CREATE SCHEMA p;
                CREATE TABLE p.m (k integer) PARTITION BY LIST (k);
                CREATE TABLE p.m1 PARTITION OF p.m FOR VALUES IN (1);
                CREATE TABLE p.mdefault PARTITION OF p.m DEFAULT;
                """)
            var options = CatalogOptions()
            options.excludeTableData = [try QualifiedName(parsing: "p.m")]
            let snapshot = try readCatalog(target, schemas: ["p"], options: options)
            #expect(snapshot.tables.allSatisfy { !$0.isDataDumped })
            #expect(snapshot.preDataInOrder.first { $0.name == "p.mdefault" }?.sql.contains("PARTITION OF \"p\".\"m\" DEFAULT") == true)
        }
    }
}
