import ArkivPostgres
import ArkivTestSupport
import Testing

@Suite("Queries")
struct QueryTests {
    @Test("parameters go apart from the SQL and results decode to Swift values", arguments: TestServer.allCases)
    func parametersAndDecoding(server: TestServer) throws {
        let connection = try server.connect()
        let hostile = "Robert'); DROP TABLE students;-- \\ æøå \t\n"
        let row = try connection.queryRow(
            "SELECT $1::text AS text, $2::int8 AS big, $3::bool AS flag, $4::text AS missing, $5::float8 AS x, $6::text[] AS list",
            [hostile, Int64.max, true, nil, 1.5, ["a", "b c", "d\"e", "NULL", ""]])
        #expect(try row.decode(String.self, "text") == hostile)
        #expect(try row.decode(Int64.self, "big") == Int64.max)
        #expect(try row.decode(Bool.self, "flag") == true)
        #expect(try row.decodeIfPresent(String.self, "missing") == nil)
        #expect(try row.decode(Double.self, "x") == 1.5)
        #expect(try row.decode([String].self, "list") == ["a", "b c", "d\"e", "NULL", ""])
        #expect(throws: PostgresError.self) { try row.decode(Int.self, "text") }
        #expect(throws: PostgresError.self) { try row.decode(String.self, "missing") }
        #expect(throws: PostgresError.self) { try row.decode(String.self, "no_such_column") }
    }

    @Test("server errors carry SQLSTATE, message and the statement", arguments: TestServer.allCases)
    func serverErrors(server: TestServer) throws {
        let connection = try server.connect()
        let syntax = try #require(throws: PostgresError.self) { try connection.execute("SELEC 1") }
        #expect(syntax.sqlState == "42601")
        #expect(syntax.kind == .query)
        #expect(syntax.operation == "SELEC 1")
        let missing = try #require(throws: PostgresError.self) { try connection.query("SELECT * FROM no_such_table") }
        #expect(missing.sqlState == "42P01")
        #expect(missing.message.contains("no_such_table"))
        // The connection is still usable after an error.
        #expect(try connection.queryRow("SELECT 2 AS two")["two"] == "2")
    }

    @Test("a constraint error names the table and constraint", arguments: TestServer.allCases)
    func constraintError(server: TestServer) throws {
        try withScratchDatabase(on: server) { target in
            let connection = try Connection(target)
            try connection.execute("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items VALUES (1)")
            let error = try #require(throws: PostgresError.self) { try connection.execute("INSERT INTO items VALUES (1)") }
            #expect(error.sqlState == "23505")
            #expect(error.qualifiedTable == "public.items")
            #expect(error.constraint == "items_pkey")
            #expect(error.detail?.contains("(id)=(1)") == true)
        }
    }

    @Test("array literals parse the way the server prints them")
    func arrayLiterals() {
        #expect(PostgresArrayLiteral.parse("{}") == [])
        #expect(PostgresArrayLiteral.parse("{a,b}") == ["a", "b"])
        #expect(PostgresArrayLiteral.parse(#"{"a,b","c\"d",NULL,"NULL"}"#) == ["a,b", "c\"d", nil, "NULL"])
        #expect(PostgresArrayLiteral.parse("{{1,2},{3,4}}") == nil)
        #expect(PostgresArrayLiteral.parse("not an array") == nil)
        #expect(PostgresArrayLiteral.parse(#"{"unterminated}"#) == nil)
        let round = ["x", "with space", "quote\"", "back\\slash", ""]
        #expect(PostgresArrayLiteral.parse(PostgresArrayLiteral.format(round)) == round.map { Optional($0) })
    }
}
