import ArkivCatalog
import ArkivPostgres
import ArkivTestSupport
import Testing

/// Patterns of real application schemas (Supabase migrations, Prisma, hand SQL) that pg_dump
/// gives back: each must come back through the catalog reader's DDL exactly (pg_dump oracle).
@Suite("Application schemas")
struct ApplicationSchemaTests {
    @Test("a view grouped by a primary key is a placeholder before the data and its query after the key",
          arguments: TestServer.allCases)
    func viewGroupedByKey(server: TestServer) throws {
        let snapshot = try roundTrip(server, schemas: ["app", "reporting"]) { c in
            try c.execute(
                """
                CREATE SCHEMA app; CREATE SCHEMA reporting;
                CREATE TABLE app.t (id integer PRIMARY KEY, name text COLLATE "C");
                CREATE TABLE app.m (id integer PRIMARY KEY, t_id integer REFERENCES app.t);
                CREATE VIEW reporting.totals WITH (security_barrier) AS
                  SELECT t.id, t.name, count(m.id) AS n FROM app.t LEFT JOIN app.m ON m.t_id = t.id GROUP BY t.id;
                CREATE VIEW reporting.busy AS SELECT id, name FROM reporting.totals WHERE n > 1;
                CREATE MATERIALIZED VIEW reporting.frozen AS
                  SELECT t.id, t.name, count(m.id) AS n FROM app.t LEFT JOIN app.m ON m.t_id = t.id GROUP BY t.id;
                CREATE VIEW reporting.on_frozen AS SELECT id FROM reporting.frozen;
                COMMENT ON VIEW reporting.totals IS 'per customer';
                """)
        }
        #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
        let pre = snapshot.preDataInOrder, post = snapshot.postDataInOrder
        let placeholder = try #require(pre.first { $0.kind == "view" && $0.name == "reporting.totals" })
        #expect(placeholder.sql.contains("NULL::integer AS \"id\""), "\(placeholder.sql)")
        #expect(post.contains { $0.kind == "view-definition" && $0.name == "reporting.totals" })
        #expect(post.contains { $0.kind == "materialized-view" && $0.name == "reporting.frozen" })
        let key = try #require(post.firstIndex { $0.kind == "constraint" && $0.name == "app.t.t_pkey" })
        let definition = try #require(post.firstIndex { $0.kind == "view-definition" })
        #expect(key < definition)
    }

    @Test("rules on tables and views, with their state and comments", arguments: TestServer.allCases)
    func rules(server: TestServer) throws {
        let snapshot = try roundTrip(server, schemas: ["app"]) { c in
            try c.execute(
                """
                CREATE SCHEMA app;
                CREATE TABLE app.orders (id integer PRIMARY KEY, status text);
                CREATE TABLE app.log (id integer);
                CREATE RULE keep_paid AS ON DELETE TO app.orders WHERE old.status = 'paid' DO INSTEAD NOTHING;
                CREATE RULE log_insert AS ON INSERT TO app.orders DO ALSO INSERT INTO app.log VALUES (new.id);
                ALTER TABLE app.orders DISABLE RULE log_insert;
                CREATE VIEW app.open_orders AS SELECT id, status FROM app.orders WHERE status <> 'paid';
                CREATE RULE open_insert AS ON INSERT TO app.open_orders DO INSTEAD INSERT INTO app.orders VALUES (new.id, new.status);
                COMMENT ON RULE keep_paid ON app.orders IS 'paid orders stay';
                """)
        }
        #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
        #expect(snapshot.postDataInOrder.filter { $0.kind == "rule" }.count == 3)
    }

    @Test("collations, text search dictionaries and configurations, and a generated tsvector column using them",
          arguments: TestServer.allCases)
    func collationsAndTextSearch(server: TestServer) throws {
        let snapshot = try roundTrip(server, schemas: ["app"]) { c in
            // The PostgreSQL 16 wheel is built without ICU: a libc collation stands in there.
            let icu = try c.queryRow("SELECT count(*) > 0 AS icu FROM pg_collation WHERE collname = 'und-x-icu'").decode(Bool.self, "icu")
            try c.execute(
                """
                CREATE SCHEMA app;
                CREATE COLLATION app.bytes (locale = 'C');
                \(icu ? "CREATE COLLATION app.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);"
                       : "CREATE COLLATION app.ci (lc_collate = 'C', lc_ctype = 'C.UTF-8');")
                CREATE TEXT SEARCH DICTIONARY app.english_stem_nostop (TEMPLATE = snowball, language = english);
                CREATE TEXT SEARCH CONFIGURATION app.english_nostop (COPY = pg_catalog.english);
                ALTER TEXT SEARCH CONFIGURATION app.english_nostop ALTER MAPPING FOR asciiword, word WITH app.english_stem_nostop;
                CREATE TABLE app.documents (
                    id integer PRIMARY KEY, title text COLLATE app.ci, code text COLLATE app.bytes, body text,
                    search tsvector GENERATED ALWAYS AS (to_tsvector('app.english_nostop', coalesce(title, '') || ' ' || body)) STORED);
                CREATE INDEX documents_search ON app.documents USING gin (search);
                COMMENT ON COLLATION app.ci IS 'case-insensitive';
                COMMENT ON TEXT SEARCH CONFIGURATION app.english_nostop IS 'no stop words';
                """)
        }
        #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
        let kinds = Set(snapshot.preDataInOrder.map(\.kind))
        #expect(kinds.isSuperset(of: ["collation", "text-search-dictionary", "text-search-configuration"]))
    }

    @Test("foreign tables with their server, wrapper and user mappings; a credential in the options is left out and named",
          arguments: TestServer.allCases)
    func foreignTables(server: TestServer) throws {
        let suffix = String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        let wrapper = "legacy_fdw_\(suffix)", foreignServer = "legacy_srv_\(suffix)"
        defer {
            // Wrappers and servers belong to the database, so dropping the databases removes
            // them; the role is the server's.
            if let c = try? server.connect() { try? c.execute("DROP ROLE IF EXISTS rw_fdw_\(suffix)") }
        }
        let snapshot = try roundTrip(server, schemas: ["app"], setup: { c in
            try c.execute(
                """
                CREATE ROLE rw_fdw_\(suffix) NOLOGIN;
                CREATE SCHEMA app;
                CREATE FOREIGN DATA WRAPPER \(wrapper) OPTIONS (debug 'true');
                CREATE SERVER \(foreignServer) TYPE 'erp' FOREIGN DATA WRAPPER \(wrapper) OPTIONS (host 'legacy.internal', dbname 'erp', api_token 'tok-secret-1');
                CREATE USER MAPPING FOR rw_fdw_\(suffix) SERVER \(foreignServer) OPTIONS (user 'erp_reader', password 'fixture-secret-do-not-leak');
                CREATE USER MAPPING FOR PUBLIC SERVER \(foreignServer);
                GRANT USAGE ON FOREIGN SERVER \(foreignServer) TO rw_fdw_\(suffix);
                COMMENT ON SERVER \(foreignServer) IS 'the old ERP';
                CREATE FOREIGN TABLE app.legacy_orders (
                    id integer OPTIONS (column_name 'order_id') NOT NULL, total numeric DEFAULT 0, CHECK (total >= 0)
                ) SERVER \(foreignServer) OPTIONS (table_name 'orders');
                GRANT SELECT ON app.legacy_orders TO rw_fdw_\(suffix);
                COMMENT ON FOREIGN TABLE app.legacy_orders IS 'read through the wrapper';
                """)
        }, restored: { c in
            let row = try c.queryRow(
                """
                SELECT s.srvoptions::text AS options, w.fdwoptions::text AS wrapper, s.srvtype,
                       (SELECT string_agg(usename || ':' || coalesce(umoptions::text, ''), ',' ORDER BY usename)
                          FROM pg_user_mappings WHERE srvid = s.oid) AS mappings,
                       obj_description(s.oid, 'pg_foreign_server') AS comment, s.srvacl::text AS acl
                  FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE s.srvname = '\(foreignServer)'
                """)
            #expect(try row.decode(String.self, "options") == "{host=legacy.internal,dbname=erp}")
            #expect(try row.decode(String.self, "wrapper") == "{debug=true}")
            #expect(try row.decode(String.self, "srvtype") == "erp")
            #expect(try row.decode(String.self, "mappings") == "public:,rw_fdw_\(suffix):{user=erp_reader}")
            #expect(try row.decode(String.self, "comment") == "the old ERP")
            #expect(try row.decode(String.self, "acl").contains("rw_fdw_\(suffix)=U/"))
        })
        #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
        let sql = snapshot.allStatements.map(\.sql).joined(separator: "\n")
        #expect(!sql.contains("fixture-secret-do-not-leak") && !sql.contains("tok-secret-1"))
        #expect(Set(snapshot.omissions.map(\.name)) == ["password of user mapping for rw_fdw_\(suffix) on server \(foreignServer)",
                                                        "api_token of server \(foreignServer)"])
    }

    @Test("operators (infix and prefix, commutator and negator pairs), operator families with loose members and operator classes",
          arguments: TestServer.allCases)
    func operators(server: TestServer) throws {
        let snapshot = try roundTrip(server, schemas: ["app"]) { c in
            try c.execute(
                """
                CREATE SCHEMA app;
                CREATE FUNCTION app.ci_eq(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT lower($1) = lower($2) $$;
                CREATE FUNCTION app.ci_ne(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT lower($1) <> lower($2) $$;
                CREATE FUNCTION app.ci_hash(text) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT hashtext(lower($1)) $$;
                CREATE FUNCTION app.negate(integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT -$1 $$;
                CREATE OPERATOR app.=~= (FUNCTION = app.ci_eq, LEFTARG = text, RIGHTARG = text, COMMUTATOR = OPERATOR(app.=~=),
                                         NEGATOR = OPERATOR(app.<~>), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES);
                CREATE OPERATOR app.<~> (FUNCTION = app.ci_ne, LEFTARG = text, RIGHTARG = text, NEGATOR = OPERATOR(app.=~=));
                CREATE OPERATOR app.~- (FUNCTION = app.negate, RIGHTARG = integer);
                CREATE OPERATOR FAMILY app.ci_ops USING hash;
                CREATE OPERATOR CLASS app.ci_hash_ops FOR TYPE text USING hash FAMILY app.ci_ops AS
                    OPERATOR 1 app.=~= (text, text), FUNCTION 1 app.ci_hash(text);
                CREATE OPERATOR FAMILY app.loose_ops USING btree;
                ALTER OPERATOR FAMILY app.loose_ops USING btree ADD
                    OPERATOR 1 pg_catalog.< (integer, bigint), FUNCTION 1 (integer, bigint) pg_catalog.btint48cmp(integer, bigint);
                CREATE TABLE app.people (id integer PRIMARY KEY, email text);
                CREATE INDEX people_email_ci ON app.people USING hash (email app.ci_hash_ops);
                COMMENT ON OPERATOR app.=~= (text, text) IS 'case-insensitive equality';
                COMMENT ON OPERATOR CLASS app.ci_hash_ops USING hash IS 'hashes =~=';
                COMMENT ON OPERATOR FAMILY app.ci_ops USING hash IS 'the family';
                """)
        }
        #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
        let kinds = snapshot.preDataInOrder.map(\.kind)
        #expect(kinds.filter { $0 == "operator" }.count == 3)
        #expect(kinds.contains("operator-family-members") && kinds.contains("operator-class"))
    }

    @Test("event triggers calling a dumped schema's function: events, tags, state and comment", arguments: TestServer.allCases)
    func eventTriggers(server: TestServer) throws {
        let snapshot = try roundTrip(server, schemas: ["app"], setup: { c in
            try c.execute(
                """
                CREATE SCHEMA app;
                CREATE FUNCTION app.pgrst_watch() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN NOTIFY pgrst, 'reload schema'; END $$;
                CREATE EVENT TRIGGER pgrst_watch ON ddl_command_end EXECUTE FUNCTION app.pgrst_watch();
                CREATE EVENT TRIGGER "audit drops" ON sql_drop WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA') EXECUTE FUNCTION app.pgrst_watch();
                ALTER EVENT TRIGGER "audit drops" ENABLE ALWAYS;
                COMMENT ON EVENT TRIGGER pgrst_watch IS 'PostgREST schema cache';
                """)
        }, restored: { c in
            let triggers = try c.query(
                "SELECT evtname || ':' || evtevent || ':' || evtenabled::text || ':' || coalesce(array_to_string(evttags, '|'), '') AS t FROM pg_event_trigger ORDER BY 1")
                .rows.compactMap { $0["t"] }
            #expect(triggers == ["audit drops:sql_drop:A:DROP TABLE|DROP SCHEMA", "pgrst_watch:ddl_command_end:O:"])
            #expect(try c.queryRow("SELECT obj_description(oid, 'pg_event_trigger') AS d FROM pg_event_trigger WHERE evtname = 'pgrst_watch'")["d"]
                    == "PostgREST schema cache")
        })
        #expect(snapshot.unsupported.isEmpty, "\(snapshot.unsupported)")
        // Last: after the first event trigger comes nothing but what is about event triggers.
        let post = snapshot.postDataInOrder
        let first = try #require(post.firstIndex { $0.kind == "event-trigger" })
        #expect(post[first...].allSatisfy { ["pgrst_watch", "audit drops"].contains($0.name) }, "\(post[first...].map { "\($0.kind) \($0.name)" })")
    }
}
