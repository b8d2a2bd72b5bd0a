import ArkivArchive
import ArkivCatalog
import ArkivPostgres
import Foundation

/// The materialized views of some schemas: what a backup records of them, what a data-only
/// load refreshes, and what every verify mode checks (populated or not, rows and content hash).
/// Their rows are never stored: a restore computes them again with REFRESH.
enum MaterializedViews {
    struct View: Sendable, Equatable {
        let name: QualifiedName
        /// `format('%I.%I')`: valid SQL and the catalog's spelling.
        let sqlName: String
        let populated: Bool
        /// Whether the connected role may refresh it (its owner's member, or MAINTAIN on 17+).
        let refreshable: Bool
    }

    /// Every materialized view of these schemas that no extension owns, each after the
    /// materialized views its query reads (through views too): the order REFRESH needs.
    static func list(_ connection: Connection, schemas: [String]) throws -> [View] {
        let maintain = connection.serverVersionNumber >= 170000 ? " OR pg_catalog.has_table_privilege(c.oid, 'MAINTAIN')" : ""
        let rows = try connection.query("""
            SELECT c.oid::text AS oid, n.nspname, c.relname, format('%I.%I', n.nspname, c.relname) AS sql_name, c.relispopulated,
                   (pg_catalog.pg_has_role(c.relowner, 'USAGE')\(maintain)) AS refreshable
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'm' AND n.nspname = ANY($1::text[])
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                              AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY c.oid
            """, [schemas]).rows
        guard !rows.isEmpty else { return [] }
        var views: [String: View] = [:], order: [String] = []
        for row in rows {
            let oid = try row.decode(String.self, "oid")
            order.append(oid)
            views[oid] = View(name: QualifiedName(schema: try row.decode(String.self, "nspname"), name: try row.decode(String.self, "relname")),
                              sqlName: try row.decode(String.self, "sql_name"), populated: try row.decode(Bool.self, "relispopulated"),
                              refreshable: try row.decode(Bool.self, "refreshable"))
        }
        // What each view's query reads, followed through plain views to the materialized ones.
        let edges = try connection.query("""
            WITH RECURSIVE reads(mv, rel) AS (
                SELECT r.ev_class, d.refobjid FROM pg_catalog.pg_rewrite r
                JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
                 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> r.ev_class
                WHERE r.ev_class = ANY($1::pg_catalog.oid[])
              UNION
                SELECT reads.mv, d.refobjid FROM reads
                JOIN pg_catalog.pg_class v ON v.oid = reads.rel AND v.relkind = 'v'
                JOIN pg_catalog.pg_rewrite r ON r.ev_class = v.oid
                JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
                 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> r.ev_class
            )
            SELECT DISTINCT mv::text AS mv, rel::text AS rel FROM reads WHERE rel = ANY($1::pg_catalog.oid[]) AND rel <> mv
            """, ["{\(order.joined(separator: ","))}"]).rows
        var needs: [String: Set<String>] = [:]
        for edge in edges {
            if let view = edge["mv"], let read = edge["rel"] { needs[view, default: []].insert(read) }
        }
        // Kahn's order, creation order among equals; a cycle cannot exist between views.
        var sorted: [View] = [], done: Set<String> = []
        while sorted.count < order.count {
            guard let next = order.first(where: { !done.contains($0) && (needs[$0] ?? []).isSubset(of: done) }) else { break }
            done.insert(next)
            if let view = views[next] { sorted.append(view) }
        }
        return sorted
    }

    /// Rows and content hash of what a query returns, read with text COPY (the same bytes on
    /// every server version with the dump settings).
    static func measure(_ connection: Connection, query: String) throws -> (rows: UInt64, contentHash: ContentHash) {
        let inspector = try CopyRowInspector(format: .text, vectorColumns: [])
        try connection.copyOut("COPY (\(query)) TO STDOUT") { try inspector.inspect($0) }
        return (inspector.rows, inspector.contentHash)
    }

    /// What a backup records: for a populated view, its query's rows in the snapshot (what a
    /// restore's REFRESH gives), not its stored rows, which may be older than the tables.
    static func record(_ connection: Connection, schemas: [String], warn: (String, String) -> Void) throws -> [Manifest.MaterializedView] {
        var recorded: [Manifest.MaterializedView] = []
        for view in try list(connection, schemas: schemas) {
            var entry = Manifest.MaterializedView(schema: view.name.schema, name: view.name.name, populated: view.populated, rows: nil, contentHash: nil)
            if view.populated {
                try connection.execute("SAVEPOINT arkiv_matview")
                do {
                    let definition = try connection.queryRow("SELECT pg_catalog.pg_get_viewdef($1::pg_catalog.regclass) AS q", [view.sqlName])
                        .decode(String.self, "q")
                    let query = definition.trimmingCharacters(in: .whitespacesAndNewlines.union(.init(charactersIn: ";")))
                    let measured = try measure(connection, query: query)
                    entry.rows = measured.rows
                    entry.contentHash = measured.contentHash.description
                    try connection.execute("RELEASE SAVEPOINT arkiv_matview")
                } catch {
                    try connection.execute("ROLLBACK TO SAVEPOINT arkiv_matview")
                    warn(view.name.description, "materialized view \(view.name): its rows could not be measured (\(error)); a verification checks only that it is populated")
                }
            }
            recorded.append(entry)
        }
        return recorded
    }

    /// Every expected view the connection's schemas have (a missing one is a structural
    /// difference, which the DDL comparison reports), checked inside a savepoint each: one view
    /// that cannot be read is one difference.
    static func verify(_ connection: Connection, expected: [Manifest.MaterializedView], schemas: [String],
                       targetName: (QualifiedName) -> QualifiedName = { $0 }) throws -> [VerifyReport.Check] {
        let present = Dictionary(try list(connection, schemas: schemas).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var checks: [VerifyReport.Check] = []
        for entry in expected {
            guard let view = present[targetName(QualifiedName(schema: entry.schema, name: entry.name))] else { continue }
            try connection.execute("SAVEPOINT arkiv_matview")
            do {
                checks += try self.checks(connection, view: view, expected: entry)
                try connection.execute("RELEASE SAVEPOINT arkiv_matview")
            } catch {
                try connection.execute("ROLLBACK TO SAVEPOINT arkiv_matview")
                checks.append(.failed(view.name.description, "materialized view", expected: "readable", error: "\(error)"))
            }
        }
        return checks
    }

    /// Populated state, and for a populated view its stored rows and content hash, against
    /// what was expected. `expected.rows == nil` checks the state alone.
    static func checks(_ connection: Connection, view: View, expected: Manifest.MaterializedView) throws -> [VerifyReport.Check] {
        let object = view.name.description
        var checks: [VerifyReport.Check] = [
            .init(object: object, check: "materialized view populated", expected: expected.populated ? "populated" : "not populated",
                  actual: view.populated ? "populated" : "not populated"),
        ]
        guard expected.populated, view.populated, let rows = expected.rows, let hash = expected.contentHash else { return checks }
        let have = try measure(connection, query: "SELECT * FROM \(view.sqlName)")
        checks.append(.init(object: object, check: "rows", expected: String(rows), actual: String(have.rows)))
        checks.append(.init(object: object, check: "content hash", expected: hash, actual: have.contentHash.description))
        return checks
    }

    /// A live view as the expectation for another (`verify compare`): its stored rows.
    static func expectation(_ connection: Connection, view: View) throws -> Manifest.MaterializedView {
        guard view.populated else {
            return .init(schema: view.name.schema, name: view.name.name, populated: false, rows: nil, contentHash: nil)
        }
        let have = try measure(connection, query: "SELECT * FROM \(view.sqlName)")
        return .init(schema: view.name.schema, name: view.name.name, populated: true, rows: have.rows, contentHash: have.contentHash.description)
    }
}
