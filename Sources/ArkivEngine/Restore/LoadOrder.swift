import ArkivPostgres

/// An order the target's foreign keys accept for loading some tables, read from the TARGET's
/// constraints (its structure is what checks the rows, whatever the source had).
///
/// Parents load before children, so every row's referenced row is there when the foreign key's
/// check fires. A self-reference needs nothing: one COPY is one statement and its checks fire at
/// the statement's end. Keys that form a cycle between tables cannot be satisfied by any order:
/// they are deferred to the end of the load when they are DEFERRABLE, and otherwise dropped for
/// the load and added back (which re-validates every row) inside the same transaction.
struct LoadOrder {
    struct ForeignKey: Sendable, Equatable {
        /// `schema.table.constraint`, for reports.
        let name: String
        /// The constraint's own name, quoted, and with its schema (for SET CONSTRAINTS).
        let constraint: String
        let qualifiedConstraint: String
        /// `format('%I.%I')` of the referencing and the referenced table.
        let child: String
        let parent: String
        let isDeferrable: Bool
        /// `pg_get_constraintdef`, to add it back.
        let definition: String
    }

    /// Tables (`format('%I.%I')` names) in load order.
    let tables: [String]
    /// Keys between tables of a cycle: the order alone cannot satisfy them.
    let cycleKeys: [ForeignKey]

    /// Each table's partition root (itself when it is not a partition): a partition's foreign
    /// keys are its root's, and a key referencing a partitioned table references every partition.
    static func roots(_ connection: Connection, of tables: [String]) throws -> [String: String] {
        var roots: [String: String] = [:]
        for row in try connection.query("""
            SELECT format('%I.%I', n.nspname, c.relname) AS name, format('%I.%I', rn.nspname, r.relname) AS root
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_class r ON r.oid = COALESCE(pg_catalog.pg_partition_root(c.oid), c.oid)
            JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
            WHERE format('%I.%I', n.nspname, c.relname) = ANY($1::text[])
            """, [tables]).rows {
            roots[try row.decode(String.self, "name")] = try row.decode(String.self, "root")
        }
        return roots
    }

    /// The foreign keys whose referencing table is one of `tables` (roots, see `roots`).
    static func foreignKeys(_ connection: Connection, of tables: [String]) throws -> [ForeignKey] {
        try connection.query("""
            SELECT format('%I.%I.%I', n.nspname, c.relname, k.conname) AS name, format('%I', k.conname) AS constraint_name,
                   format('%I.%I', n.nspname, k.conname) AS qualified_constraint,
                   format('%I.%I', n.nspname, c.relname) AS child, format('%I.%I', pn.nspname, p.relname) AS parent,
                   k.condeferrable, pg_catalog.pg_get_constraintdef(k.oid) AS definition
            FROM pg_catalog.pg_constraint k
            JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_class p ON p.oid = k.confrelid JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
            WHERE k.contype = 'f' AND k.conparentid = 0 AND format('%I.%I', n.nspname, c.relname) = ANY($1::text[])
            ORDER BY 1
            """, [tables]).rows.map { row in
            ForeignKey(
                name: try row.decode(String.self, "name"), constraint: try row.decode(String.self, "constraint_name"),
                qualifiedConstraint: try row.decode(String.self, "qualified_constraint"),
                child: try row.decode(String.self, "child"), parent: try row.decode(String.self, "parent"),
                isDeferrable: try row.decode(Bool.self, "condeferrable"), definition: try row.decode(String.self, "definition"))
        }
    }

    /// Strongly connected components (Tarjan) of the graph child → parent between partition
    /// roots: each component comes out after every component it references, which is the load
    /// order; keys inside a component of more than one root are the cycle's.
    init(tables loaded: [String], roots: [String: String] = [:], keys: [ForeignKey]) {
        let rootOf = { (table: String) in roots[table] ?? table }
        let tables = Array(Set(loaded.map(rootOf)))
        let members = Set(tables)
        var parents: [String: [String]] = [:]
        for key in keys where members.contains(key.parent) && key.child != key.parent {
            parents[key.child, default: []].append(key.parent)
        }
        var index: [String: Int] = [:], lowLink: [String: Int] = [:], onStack: Set<String> = []
        var stack: [String] = [], order: [String] = [], component: [String: Int] = [:]
        var counter = 0, components = 0

        func connect(_ table: String) {
            index[table] = counter
            lowLink[table] = counter
            counter += 1
            stack.append(table)
            onStack.insert(table)
            for parent in (parents[table] ?? []).sorted() {
                if index[parent] == nil {
                    connect(parent)
                    lowLink[table] = min(lowLink[table] ?? 0, lowLink[parent] ?? 0)
                } else if onStack.contains(parent) {
                    lowLink[table] = min(lowLink[table] ?? 0, index[parent] ?? 0)
                }
            }
            guard lowLink[table] == index[table] else { return }
            var found: [String] = []
            while let top = stack.popLast() {
                onStack.remove(top)
                found.append(top)
                component[top] = components
                if top == table { break }
            }
            order += found.sorted()
            components += 1
        }
        for table in tables.sorted() where index[table] == nil { connect(table) }
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        self.tables = loaded.sorted { (position[rootOf($0)] ?? 0, $0) < (position[rootOf($1)] ?? 0, $1) }
        self.cycleKeys = keys.filter { key in
            key.child != key.parent && members.contains(key.parent) && component[key.child] == component[key.parent]
        }
    }
}
