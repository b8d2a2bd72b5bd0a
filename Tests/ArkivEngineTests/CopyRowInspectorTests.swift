import ArkivArchive
@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Testing

@Suite("COPY row inspection")
struct CopyRowInspectorTests {
    private func inspect(_ connection: Connection, _ sql: String, format: CopyRowInspector.Format,
                         vectors: [VectorColumnPlan] = []) throws -> CopyRowInspector {
        let inspector = try CopyRowInspector(format: format, vectorColumns: vectors)
        let rows = try connection.copyOut(sql) { try inspector.inspect($0) }
        #expect(UInt64(rows) == inspector.rows)
        return inspector
    }

    @Test("vector dimensions and NULLs are measured in text and binary COPY alike", arguments: [TestServer.pg16])
    func vectorStats(server: TestServer) throws {
        try withScratchDatabase(on: server) { target in
            let connection = try Connection(target)
            try connection.execute("""
                CREATE EXTENSION vector;
                CREATE TABLE v (id int, note text, e vector, f vector(3));
                INSERT INTO v VALUES (1, 'a\tb', '[1,2,3]', '[1,2,3]'), (2, NULL, NULL, '[4,5,6]'),
                                     (3, '', '[1,2,3,4,5]', NULL), (4, E'x\\ny', '[0.5]', '[7,8,9]');
                """)
            for format in [CopyRowInspector.Format.text, .binary] {
                let option = format == .binary ? " (FORMAT binary)" : ""
                let inspector = try inspect(connection, "COPY v (id, note, e, f) TO STDOUT\(option)", format: format,
                                            vectors: [.init(name: "e", index: 2, declaredDimension: nil), .init(name: "f", index: 3, declaredDimension: 3)])
                #expect(inspector.rows == 4)
                #expect(inspector.vectors[0] == .init(column: "e", index: 2, declaredDimension: nil, nullCount: 1, minDimension: 1, maxDimension: 5))
                #expect(inspector.vectors[1] == .init(column: "f", index: 3, declaredDimension: 3, nullCount: 1, minDimension: 3, maxDimension: 3))
                if format == .binary { #expect(inspector.sawTrailer) }
            }
        }
    }

    @Test("the content hash ignores row order and sees every change", arguments: TestServer.allCases)
    func contentHash(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { target in
            let connection = try Connection(target)
            for format in [CopyRowInspector.Format.text, .binary] {
                let option = format == .binary ? " (FORMAT binary)" : ""
                let forward = try inspect(connection, "COPY (SELECT * FROM renos.email_messages ORDER BY id) TO STDOUT\(option)", format: format)
                let backward = try inspect(connection, "COPY (SELECT * FROM renos.email_messages ORDER BY id DESC) TO STDOUT\(option)", format: format)
                #expect(forward.rows > 100)
                #expect(forward.contentHash == backward.contentHash)
                #expect(forward.contentHash != .zero)
                let fewer = try inspect(connection, "COPY (SELECT * FROM renos.email_messages ORDER BY id OFFSET 1) TO STDOUT\(option)", format: format)
                #expect(fewer.contentHash != forward.contentHash)
            }
        }
    }

    @Test("an empty table has zero rows and the zero hash in both formats", arguments: [TestServer.pg16])
    func emptyTable(server: TestServer) throws {
        let connection = try server.connect()
        for (format, option) in [(CopyRowInspector.Format.text, ""), (.binary, " (FORMAT binary)")] {
            let inspector = try inspect(connection, "COPY (SELECT 1 WHERE false) TO STDOUT\(option)", format: format)
            #expect(inspector.rows == 0)
            #expect(inspector.contentHash == .zero)
        }
    }

    @Test("archive file names never leave the set folder and stay unique")
    func fileNames() {
        let names = ArchiveFileNames.names(forSchemas: ["vault", "../../etc", "Æble Ø", "a/b", "a_b", ""])
        #expect(names["vault"] == "01-vault.arkiv")
        #expect(names["../../etc"] == "02-etc.arkiv")
        #expect(Set(names.values).count == 6)
        for name in names.values {
            #expect(!name.contains("/") && !name.hasPrefix("."))
        }
    }
}
