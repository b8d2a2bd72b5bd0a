import ArkivCatalog
import ArkivPostgres
import ArkivTestSupport
import Testing

@Suite("Extension members")
struct ExtensionMemberTests {
    /// pgvector where the server has it (16, 18); citext on the others (15, 17).
    static func fixture(_ server: TestServer) -> (extension: String, type: String) {
        server.hasPgvector ? ("vector", "ext.vector(3)") : ("citext", "ext.citext")
    }

    @Test("an extension installed into a dumped schema: its objects are listed, never dumped", arguments: TestServer.allCases)
    func extensionInDumpedSchema(server: TestServer) throws {
        let (name, type) = Self.fixture(server)
        let snapshot = try roundTrip(server, schemas: ["ext"]) { c in
            try c.execute("CREATE SCHEMA ext; CREATE EXTENSION \(name) SCHEMA ext")
            try c.execute("CREATE TABLE ext.items (id integer PRIMARY KEY, value \(type))")
            if server.hasPgvector {
                try c.execute("CREATE INDEX items_hnsw ON ext.items USING hnsw (value ext.vector_l2_ops) WITH (m = 8, ef_construction = 32)")
            }
        }
        #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
        let table = try #require(snapshot.table(QualifiedName(schema: "ext", name: "items")))
        #expect(snapshot.preDataInOrder.contains { $0.kind == "table" && $0.name == "ext.items" })
        let info = try #require(snapshot.extensions.first { $0.name == name })
        #expect(info.schema == "ext")
        #expect(info.isCreatedByPreData)
        #expect(info.neededBy == ["ext"])
        #expect(snapshot.extensionMembers.contains { $0.extensionName == name && $0.objectType == "function" })
        #expect(snapshot.extensionMembers.contains { $0.extensionName == name && $0.objectType == "type" })
        if server.hasPgvector {
            #expect(snapshot.extensionMembers.contains { $0.objectType == "operator" })
            #expect(snapshot.extensionMembers.contains { $0.objectType == "operator class" })
            let column = try #require(table.columns.first { $0.name == "value" })
            #expect(column.isVector && column.vectorDimension == 3)
            #expect(snapshot.postDataInOrder.contains { $0.kind == "index" && $0.sql.contains("USING hnsw") && $0.sql.contains("ef_construction='32'") })
        }
        // No statement creates anything the extension owns.
        let created = snapshot.allStatements.filter { $0.kind != "extension" }.map(\.sql)
        #expect(!created.contains { $0.hasPrefix("CREATE FUNCTION") || $0.hasPrefix("CREATE TYPE") || $0.hasPrefix("CREATE OPERATOR") })
        #expect(snapshot.preDataInOrder.filter { $0.kind == "extension" }.map(\.name) == [name])
    }

    @Test("the workspace lists the extensions its schemas use", arguments: TestServer.allCases)
    func workspaceExtensions(server: TestServer) throws {
        let snapshot = try readCatalog(try server.target(database: "workspace"), schemas: workspaceSchemas)
        let names = snapshot.extensions.map(\.name)
        #expect(names.contains("plpgsql"))
        #expect(names.contains("vector") == server.hasPgvector)
        #expect(!names.contains("uuid-ossp"), "nothing in the dumped schemas uses uuid-ossp")
        if server.hasPgvector {
            let vector = try #require(snapshot.extensions.first { $0.name == "vector" })
            #expect(vector.schema == "public" && !vector.isCreatedByPreData && vector.neededBy == ["vault"])
            #expect(!vector.version.isEmpty)
            let embedding = try #require(snapshot.table(QualifiedName(schema: "vault", name: "embeddings"))?.columns.first { $0.name == "embedding" })
            #expect(embedding.isVector && embedding.vectorDimension == 1536)
        }
        #expect(snapshot.extensionMembers.isEmpty)
    }
}
