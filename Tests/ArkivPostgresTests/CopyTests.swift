import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("COPY streaming")
struct CopyTests {
    @Test("COPY OUT of a table over 200 MB streams with flat memory", arguments: TestServer.allCases)
    func largeCopyOut(server: TestServer) throws {
        try withScratchDatabase(on: server) { target in
            let connection = try Connection(target)
            // ~1.1 KB per row in COPY text: 200 000 rows is about 220 MB on the wire.
            try connection.execute("""
                CREATE UNLOGGED TABLE big (id int, payload text);
                INSERT INTO big SELECT i, repeat(md5(i::text), 34) FROM generate_series(1, 200000) i;
                """)
            let tableBytes = try connection.queryRow("SELECT pg_relation_size('big') AS n").decode(Int.self, "n")
            #expect(tableBytes > 200 << 20)

            var total = 0, messages = 0, largest = 0, peakGrowth = 0
            let before = residentSetSize()
            let rows = try connection.copyOut("COPY big TO STDOUT") { chunk in
                total += chunk.count
                messages += 1
                largest = max(largest, chunk.count)
                if messages % 10_000 == 0 { peakGrowth = max(peakGrowth, residentSetSize() - before) }
            }
            #expect(rows == 200_000)
            #expect(messages == 200_000, "one message per row")
            #expect(total > 200 << 20)
            // Each chunk is one row (~1.1 KB), never an accumulation of the table.
            #expect(largest < 2048)
            // Memory stays flat: a whole-table buffer would add > 200 MB.
            #expect(peakGrowth < 32 << 20, "resident set grew by \(peakGrowth >> 20) MiB")
        }
    }

    @Test("COPY IN round-trips every fixture table byte for byte", arguments: TestServer.allCases)
    func fixtureRoundTrip(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { sourceTarget in
            try withScratchDatabase(on: server, template: "workspace") { copyTarget in
                let source = try Connection(sourceTarget)
                let copy = try Connection(copyTarget)
                let tables = try source.query("""
                    SELECT format('%I.%I', n.nspname, c.relname) AS name
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('vault','billy','renos','crm','flow','shared')
                    ORDER BY 1
                    """).rows.compactMap { $0["name"] }
                #expect(tables.count == 53)
                // Triggers and foreign keys off for the load, as a restore of raw data does.
                try copy.execute("SET session_replication_role = replica")
                try copy.execute("TRUNCATE " + tables.joined(separator: ", "))
                var totalRows = 0
                for table in tables {
                    for format in ["text", "binary"] {
                        let original = try collect(source, "COPY \(table) TO STDOUT (FORMAT \(format))")
                        // TRUNCATE gives a fresh heap, so rows come back in the order they were
                        // loaded (DELETE would leave space autovacuum may hand to the new rows).
                        // CASCADE empties referencing tables too; each table is checked on its own.
                        try copy.execute("TRUNCATE \(table) CASCADE")
                        let loaded = try copy.copyIn("COPY \(table) FROM STDIN (FORMAT \(format))") { writer in
                            // Feed in odd-sized pieces: rows must not need to align with writes.
                            var offset = 0
                            while offset < original.count {
                                let end = min(offset + 7_919, original.count)
                                try original[offset..<end].withUnsafeBytes { try writer.write($0) }
                                offset = end
                            }
                        }
                        let back = try collect(copy, "COPY \(table) TO STDOUT (FORMAT \(format))")
                        let firstDifference = zip(back, original).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                            ?? min(back.count, original.count)
                        let identical = back == original
                        #expect(identical, "\(table) (\(format)) differs after COPY IN: \(original.count) vs \(back.count) bytes, first difference at byte \(firstDifference)")
                        if format == "text" { totalRows += loaded }
                    }
                }
                #expect(totalRows > 1000)
            }
        }
    }

    @Test("a rejected row comes back with SQLSTATE, table and line", arguments: TestServer.allCases)
    func copyInConstraintViolation(server: TestServer) throws {
        try withScratchDatabase(on: server) { target in
            let connection = try Connection(target)
            try connection.execute("""
                CREATE SCHEMA billing;
                CREATE TABLE billing.invoices (id int PRIMARY KEY, amount numeric CHECK (amount >= 0));
                """)
            let duplicate = try #require(throws: PostgresError.self) {
                try connection.copyIn("COPY billing.invoices FROM STDIN") { writer in
                    try writer.write("1\t10\n2\t20\n2\t30\n4\t40\n")
                }
            }
            #expect(duplicate.sqlState == "23505")
            #expect(duplicate.qualifiedTable == "billing.invoices")
            #expect(duplicate.kind == .copy)
            let negative = try #require(throws: PostgresError.self) {
                try connection.copyIn("COPY billing.invoices FROM STDIN") { writer in
                    try writer.write("1\t10\n2\t20\n3\t-5\n")
                }
            }
            #expect(negative.sqlState == "23514")
            #expect(negative.copyLine == 3)
            #expect(negative.constraint == "invoices_amount_check")
            let malformed = try #require(throws: PostgresError.self) {
                try connection.copyIn("COPY billing.invoices FROM STDIN") { writer in
                    try writer.write("1\t10\nnot-a-number\t5\n")
                }
            }
            #expect(malformed.sqlState == "22P02")
            #expect(malformed.copyLine == 2)
            // Nothing of the failed COPYs was kept, and the connection still works.
            #expect(try connection.queryRow("SELECT count(*) AS n FROM billing.invoices")["n"] == "0")
        }
    }

    @Test("an error thrown while streaming aborts the COPY and keeps nothing", arguments: TestServer.allCases)
    func clientAbort(server: TestServer) throws {
        struct Stop: Error {}
        try withScratchDatabase(on: server) { target in
            let connection = try Connection(target)
            try connection.execute("CREATE TABLE t (id int)")
            #expect(throws: Stop.self) {
                try connection.copyIn("COPY t FROM STDIN") { writer in
                    try writer.write("1\n2\n")
                    throw Stop()
                }
            }
            #expect(try connection.queryRow("SELECT count(*) AS n FROM t")["n"] == "0")
            var seen = 0
            #expect(throws: Stop.self) {
                try connection.copyOut("COPY (SELECT generate_series(1, 10000000)) TO STDOUT") { _ in
                    seen += 1
                    if seen == 10 { throw Stop() }
                }
            }
            #expect(seen == 10)
            #expect(try connection.queryRow("SELECT 3 AS three")["three"] == "3")
        }
    }

    @Test("COPY statements of the wrong direction are refused", arguments: [TestServer.pg16])
    func wrongDirection(server: TestServer) throws {
        let connection = try server.connect()
        let error = try #require(throws: PostgresError.self) {
            try connection.copyOut("SELECT 1") { _ in }
        }
        #expect(error.kind == .misuse)
        #expect(try connection.queryRow("SELECT 1 AS one")["one"] == "1")
    }

    private func collect(_ connection: Connection, _ sql: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try connection.copyOut(sql) { bytes.append(contentsOf: $0) }
        return bytes
    }
}
