import ArkivCatalog
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("Owners and privileges")
struct PrivilegeTests {
    @Test("owners, grants, revokes and column privileges round-trip, as separate statements", arguments: TestServer.allCases)
    func ownersAndGrants(server: TestServer) throws {
        // Roles belong to the cluster: a unique name, dropped after the databases are.
        let role = "arkiv catalog \(UUID().uuidString.prefix(8))"
        let admin = try server.connect()
        let quotedRole = try admin.quoteIdentifier(role)
        try admin.execute("CREATE ROLE \(quotedRole)")
        defer { try? admin.execute("DROP ROLE IF EXISTS \(quotedRole)") }
        let snapshot = try roundTrip(server, schemas: ["acl"]) { c in
            try c.execute(
                """
                CREATE SCHEMA acl;
                GRANT USAGE ON SCHEMA acl TO \(quotedRole);
                CREATE TABLE acl.owned (id integer, secret text);
                ALTER TABLE acl.owned OWNER TO \(quotedRole);
                CREATE TABLE acl.shared_table (id integer, secret text);
                GRANT SELECT, INSERT ON acl.shared_table TO \(quotedRole) WITH GRANT OPTION;
                GRANT SELECT (id), UPDATE (id) ON acl.shared_table TO PUBLIC;
                REVOKE TRUNCATE ON acl.shared_table FROM CURRENT_USER;
                CREATE SEQUENCE acl.counter;
                GRANT USAGE ON SEQUENCE acl.counter TO \(quotedRole);
                CREATE FUNCTION acl.f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
                REVOKE EXECUTE ON FUNCTION acl.f() FROM PUBLIC;
                GRANT EXECUTE ON FUNCTION acl.f() TO \(quotedRole);
                CREATE TYPE acl.mood AS ENUM ('ok');
                REVOKE USAGE ON TYPE acl.mood FROM PUBLIC;
                CREATE VIEW acl.v AS SELECT id FROM acl.shared_table;
                ALTER VIEW acl.v OWNER TO \(quotedRole);
                """)
        }
        #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
        let statements = snapshot.postDataInOrder
        #expect(statements.contains { $0.isOwnership && $0.sql == "ALTER TABLE \"acl\".\"owned\" OWNER TO \(quotedRole);" })
        #expect(statements.contains { $0.isPrivilege && $0.sql.hasPrefix("REVOKE EXECUTE ON FUNCTION \"acl\".\"f\"() FROM PUBLIC") })
        #expect(statements.contains { $0.isPrivilege && $0.sql.contains("SELECT (\"id\"), UPDATE (\"id\")") })
        // Leaving owners and privileges out leaves no such statements.
        var bare = CatalogOptions()
        bare.includeOwners = false
        bare.includePrivileges = false
        try withScratchDatabase(on: server) { target in
            let c = try Connection(target)
            try c.execute("CREATE SCHEMA acl; CREATE TABLE acl.t (id integer); GRANT SELECT ON acl.t TO PUBLIC")
            let plain = try readCatalog(target, schemas: ["acl"], options: bare)
            #expect(!plain.allStatements.contains { $0.isOwnership || $0.isPrivilege })
        }
    }
}
