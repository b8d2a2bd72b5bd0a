import ArkivCatalog
import ArkivPostgres
import ArkivTestSupport
import Testing

@Suite("Hostile names")
struct HostileNameTests {
    /// Names a careless tool gets wrong; the last is exactly 63 bytes, PostgreSQL's limit.
    static let names = [
        "Mixed Case", "with space", "quote\"inside", "single'quote", "semi;colon", "dot.ted", "select", "user",
        "order", "æøå_ÆØÅ", "名前", "emoji🙂", "back\\slash", String(repeating: "x", count: 62) + "y",
    ]

    @Test("tables, columns, types, constraints, indexes, policies, triggers and comments with hostile names round-trip",
          arguments: TestServer.allCases)
    func hostileNames(server: TestServer) throws {
        let schema = "sch\"ema ø.x"
        let snapshot = try roundTrip(server, schemas: [schema]) { c in
            let s = try c.quoteIdentifier(schema)
            func q(_ name: String) throws -> String { try c.quoteIdentifier(name) }
            func l(_ value: String) throws -> String { try c.quoteLiteral(value) }
            try c.execute("CREATE SCHEMA \(s)")
            let labels = try Self.names.map(l).joined(separator: ", ")
            try c.execute("CREATE TYPE \(s).\(try q("enum \"type\"")) AS ENUM (\(labels))")
            try c.execute("CREATE DOMAIN \(s).\(try q("do.main")) AS text CONSTRAINT \(try q("check \"it\"")) CHECK (VALUE <> 'x')")
            try c.execute("CREATE SEQUENCE \(s).\(try q("seq'uence"))")
            try c.execute(
                """
                CREATE FUNCTION \(s).\(try q("trig ger()")) () RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$
                """)
            for (index, name) in Self.names.enumerated() {
                let table = "\(s).\(try q(name))"
                try c.execute(
                    """
                    CREATE TABLE \(table) (
                        \(try q("id " + name)) bigint NOT NULL DEFAULT nextval(\(try l("\(s).\(try q("seq'uence"))"))::regclass),
                        \(try q(name)) \(s).\(try q("enum \"type\"")),
                        \(try q("mail" + name)) \(s).\(try q("do.main")) COLLATE "C",
                        \(try q("us\"er")) text,
                        CONSTRAINT \(try q("pk " + name)) PRIMARY KEY (\(try q("id " + name))),
                        CONSTRAINT \(try q("ck " + name)) CHECK (length(\(try q("us\"er"))) < \(index + 10))
                    )
                    """)
                try c.execute("CREATE INDEX \(try q("ix " + name)) ON \(table) (lower(\(try q("us\"er")))) WHERE \(try q(name)) IS NOT NULL")
                try c.execute("CREATE TRIGGER \(try q("tr " + name)) BEFORE UPDATE ON \(table) FOR EACH ROW EXECUTE FUNCTION \(s).\(try q("trig ger()"))()")
                try c.execute("ALTER TABLE \(table) ENABLE ROW LEVEL SECURITY")
                try c.execute("CREATE POLICY \(try q("po " + name)) ON \(table) AS RESTRICTIVE FOR UPDATE USING (\(try q("us\"er")) <> \(try l(name)))")
                try c.execute("COMMENT ON TABLE \(table) IS \(try l("it's \\ \"\(name)\" 🙂"))")
                try c.execute("COMMENT ON COLUMN \(table).\(try q(name)) IS \(try l(name))")
                try c.execute("COMMENT ON CONSTRAINT \(try q("ck " + name)) ON \(table) IS \(try l(name))")
                try c.execute("COMMENT ON INDEX \(s).\(try q("ix " + name)) IS \(try l(name))")
                try c.execute("COMMENT ON TRIGGER \(try q("tr " + name)) ON \(table) IS \(try l(name))")
                try c.execute("COMMENT ON POLICY \(try q("po " + name)) ON \(table) IS \(try l(name))")
                if index > 0 {
                    let previous = "\(s).\(try q(Self.names[index - 1]))"
                    try c.execute(
                        """
                        ALTER TABLE \(table) ADD CONSTRAINT \(try q("fk " + name)) FOREIGN KEY (\(try q("id " + name)))
                            REFERENCES \(previous) ON DELETE CASCADE
                        """)
                }
            }
            try c.execute("CREATE VIEW \(s).\(try q("vi.ew \"x\"")) AS SELECT * FROM \(s).\(try q("select"))")
            try c.execute("COMMENT ON SCHEMA \(s) IS \(try l("schema's comment"))")
        }
        #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
        #expect(snapshot.tables.count == Self.names.count)
        #expect(Set(snapshot.tables.map(\.name)) == Set(Self.names))
        let longest = try #require(snapshot.tables.first { $0.name.utf8.count == 63 })
        #expect(longest.copyColumnList.contains("\"us\"\"er\""))
    }
}
