import ArkivPostgres
import ArkivTestSupport
import Testing

@Suite("Quoting")
struct QuotingTests {
    /// Names a careless tool gets wrong. The last is exactly 63 bytes, PostgreSQL's limit.
    static let hostileNames = [
        "plain", "Mixed Case", "with space", "quote\"inside", "single'quote", "semi;colon", "dot.ted",
        "../../etc/passwd", "select", "user", "order", "æøå_ÆØÅ", "名前", "emoji🙂", "back\\slash",
        "tab\there", "$1", String(repeating: "x", count: 62) + "y",
    ]

    @Test("hostile identifiers round-trip through the catalogs exactly", arguments: TestServer.allCases)
    func hostileIdentifiers(server: TestServer) throws {
        #expect(Self.hostileNames.last?.utf8.count == 63)
        try withScratchDatabase(on: server) { target in
            let connection = try Connection(target)
            let schema = "sch\"ema ø"
            try connection.execute("CREATE SCHEMA \(try connection.quoteIdentifier(schema))")
            for (index, name) in Self.hostileNames.enumerated() {
                let table = try connection.quoteQualified(schema, name)
                let column = try connection.quoteIdentifier(name)
                try connection.execute("CREATE TABLE \(table) (\(column) text)")
                try connection.execute("INSERT INTO \(table) VALUES (\(try connection.quoteLiteral(name)))")
                let back = try connection.queryRow("SELECT \(column) AS v FROM \(table)")
                #expect(back["v"] == name, "table #\(index)")
            }
            let names = try connection.query(
                "SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    + "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = 1 WHERE n.nspname = $1 ORDER BY c.oid",
                [schema])
            #expect(names.rows.map { $0["relname"] } == Self.hostileNames)
            #expect(names.rows.map { $0["attname"] } == Self.hostileNames)
        }
    }

    @Test("literals with backslashes and quotes survive", arguments: TestServer.allCases)
    func literals(server: TestServer) throws {
        let connection = try server.connect()
        for value in ["it's", "back\\slash", "\\x00", "æøå", "line\nbreak", "'; DROP TABLE x; --"] {
            let row = try connection.queryRow("SELECT \(try connection.quoteLiteral(value)) AS v")
            #expect(row["v"] == value)
        }
    }

    @Test("a NUL byte is refused, not truncated", arguments: [TestServer.pg16])
    func nulByte(server: TestServer) throws {
        let connection = try server.connect()
        #expect(throws: PostgresError.self) { try connection.quoteIdentifier("a\u{0}b") }
    }
}
