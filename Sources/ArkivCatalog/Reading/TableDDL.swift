extension CatalogBuilder {
    /// CREATE TABLE for every dumped table (ordinary, unlogged, partitioned, partition,
    /// inheritance child), column settings pg_dump would also restore, and the TableInfo.
    func buildTables() throws(CatalogError) {
        let excluded = options.excludeTableData
        for relation in relations.values.sorted(by: { $0.oid < $1.oid }) {
            switch relation.kind {
            case "r", "p": break
            case "f":
                continue  // ForeignDataDDL
            default: continue
            }
            if relation.ofType != 0 {
                report("typed table", relation.display, "tables created with OF type are not supported")
                continue
            }
            let key = ObjectKey(.pgClass, relation.oid)
            let quoted = try session.quote(relation.schema, relation.name)
            targets[key] = ObjectTarget(
                keyword: "TABLE", sqlName: quoted, grantKeyword: "TABLE", owner: relation.owner,
                schema: relation.schema, displayName: relation.display)
            let columns = self.columns[relation.oid] ?? []
            var dependencies: Set<ObjectKey> = []
            let sql: String
            if relation.isPartition, let parentOID = relation.parents.first, let parent = relations[parentOID],
               columnsMatch(columns, self.columns[parentOID] ?? [])
            {
                dependencies.insert(ObjectKey(.pgClass, parentOID))
                sql = try partitionDDL(relation, quoted: quoted, parent: parent, columns: columns)
            } else {
                var parts: [String] = []
                for column in columns where column.isLocal || relation.isPartition {
                    parts.append(try columnDefinition(column, table: relation.oid))
                }
                var text = "CREATE \(relation.isUnlogged ? "UNLOGGED " : "")TABLE \(quoted) (\n    "
                    + parts.joined(separator: ",\n    ") + "\n)"
                if !relation.isPartition && !relation.parents.isEmpty {
                    var parents: [String] = []
                    for parent in relation.parents {
                        guard let row = relations[parent] else { continue }
                        parents.append(try session.quote(row.schema, row.name))
                        dependencies.insert(ObjectKey(.pgClass, parent))
                    }
                    text += " INHERITS (\(parents.joined(separator: ", ")))"
                }
                sql = text + (try tableClauses(relation)) + ";"
                if relation.isPartition, let parentOID = relation.parents.first, let parent = relations[parentOID],
                   let bound = relation.partitionBound
                {
                    // Column order or set differs from the parent's: create it alone, then attach.
                    add(key.with(part: "attach"), .preData, .partitionAttach, schema: relation.schema, kind: "partition-attach",
                        name: relation.display,
                        sql: "ALTER TABLE ONLY \(try session.quote(parent.schema, parent.name)) ATTACH PARTITION \(quoted) \(bound);",
                        dependsOn: [key, ObjectKey(.pgClass, parentOID)])
                }
            }
            add(key, .preData, .table, schema: relation.schema, kind: "table", name: relation.display, sql: sql, dependsOn: dependencies)
            try addColumnSettings(relation, columns: columns, keyword: "TABLE ONLY")
            tables.append(try tableInfo(relation, columns: columns, excluded: excluded))
        }
        tables.sort { ($0.schema, $0.name) < ($1.schema, $1.name) }
    }

    /// `"name" type [COLLATE] [DEFAULT | GENERATED …] [NOT NULL]`.
    /// `fdwOptions`: a foreign table column's `OPTIONS (…)`, which goes right after the type.
    func columnDefinition(_ column: ColumnRow, table: UInt32, fdwOptions: String = "") throws(CatalogError) -> String {
        var text = "\(try session.quote(column.name)) \(column.type)\(fdwOptions)"
        if let collation = column.collation { text += " COLLATE \(collation)" }
        if let generated = column.generated, let expression = column.defaultExpression {
            text += " GENERATED ALWAYS AS (\(expression))" + (generated == .stored ? " STORED" : " VIRTUAL")
        } else if let identity = column.identity {
            text += " GENERATED \(identity == .always ? "ALWAYS" : "BY DEFAULT") AS IDENTITY"
            if let sequence = identitySequences[table]?.first(where: { $0.ownedBy?.column == column.name }) {
                text += " (SEQUENCE NAME \(try session.quote(sequence.schema, sequence.name)) \(try sequenceOptions(sequence)))"
            }
        } else if let expression = column.defaultExpression {
            text += " DEFAULT \(expression)"
        }
        if column.notNull {
            if let name = column.notNullName { text += " CONSTRAINT \(try session.quote(name))" }
            text += " NOT NULL"
        }
        return text
    }

    /// Whether a partition can be created with PARTITION OF: same column names in the same order.
    private func columnsMatch(_ columns: [ColumnRow], _ parentColumns: [ColumnRow]) -> Bool {
        columns.map(\.name) == parentColumns.map(\.name)
    }

    /// `CREATE TABLE child PARTITION OF parent (col WITH OPTIONS …) FOR VALUES …`, naming only
    /// what the partition has of its own (a NOT NULL or default the parent does not have).
    private func partitionDDL(_ relation: RelationRow, quoted: String, parent: RelationRow, columns: [ColumnRow]) throws(CatalogError) -> String {
        let parentColumns = Dictionary(
            (self.columns[parent.oid] ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var options: [String] = []
        for column in columns where column.generated == nil && column.identity == nil {
            let inherited = parentColumns[column.name]
            var clauses: [String] = []
            if let expression = column.defaultExpression, expression != inherited?.defaultExpression {
                clauses.append("DEFAULT \(expression)")
            }
            if column.notNull && inherited?.notNull != true {
                var clause = "NOT NULL"
                if let name = column.notNullName { clause = "CONSTRAINT \(try session.quote(name)) " + clause }
                clauses.append(clause)
            }
            if !clauses.isEmpty { options.append("\(try session.quote(column.name)) WITH OPTIONS \(clauses.joined(separator: " "))") }
        }
        var sql = "CREATE \(relation.isUnlogged ? "UNLOGGED " : "")TABLE \(quoted) PARTITION OF \(try session.quote(parent.schema, parent.name))"
        if !options.isEmpty { sql += " (\n    " + options.joined(separator: ",\n    ") + "\n)" }
        let bound = relation.partitionBound ?? "DEFAULT"
        sql += " " + bound
        return sql + (try tableClauses(relation)) + ";"
    }

    /// `PARTITION BY …`, `USING am`, `WITH (storage parameters)`.
    private func tableClauses(_ relation: RelationRow) throws(CatalogError) -> String {
        var text = ""
        if let key = relation.partitionKey { text += " PARTITION BY \(key)" }
        if let method = relation.accessMethod { text += " USING \(try session.quote(method))" }
        let options = try storageParameters(relation.options, prefix: "") + (try storageParameters(relation.toastOptions, prefix: "toast."))
        if !options.isEmpty { text += " WITH (\(options.joined(separator: ", ")))" }
        return text
    }

    /// reloptions (`fillfactor=90`) as `fillfactor='90'`.
    func storageParameters(_ options: [String], prefix: String) throws(CatalogError) -> [String] {
        var parameters: [String] = []
        for option in options {
            guard let equals = option.firstIndex(of: "=") else {
                parameters.append(prefix + option)
                continue
            }
            let name = String(option[..<equals]), value = String(option[option.index(after: equals)...])
            parameters.append("\(prefix)\(name)=\(try session.literal(value))")
        }
        return parameters
    }

    /// Statistics targets, storage, compression, attribute options, and (for views) column
    /// defaults: what pg_dump restores with ALTER after CREATE.
    func addColumnSettings(_ relation: RelationRow, columns: [ColumnRow], keyword: String) throws(CatalogError) {
        var actions: [String] = []
        let isView = relation.kind == "v"
        for column in columns {
            let name = try session.quote(column.name)
            if isView, let expression = column.defaultExpression {
                actions.append("ALTER COLUMN \(name) SET DEFAULT \(expression)")
            }
            if let target = column.statisticsTarget, target >= 0 {
                actions.append("ALTER COLUMN \(name) SET STATISTICS \(target)")
            }
            if !isView && column.storage != column.typeStorage, let storage = Self.storageNames[column.storage] {
                actions.append("ALTER COLUMN \(name) SET STORAGE \(storage)")
            }
            if let compression = column.compression, let method = Self.compressionNames[compression] {
                actions.append("ALTER COLUMN \(name) SET COMPRESSION \(method)")
            }
            if !column.options.isEmpty {
                actions.append("ALTER COLUMN \(name) SET (\(try storageParameters(column.options, prefix: "").joined(separator: ", ")))")
            }
        }
        guard !actions.isEmpty else { return }
        let key = ObjectKey(.pgClass, relation.oid)
        add(key.with(part: "columns"), .preData, .columnSettings, schema: relation.schema, kind: "column-settings",
            name: relation.display,
            sql: "ALTER \(keyword) \(try session.quote(relation.schema, relation.name)) " + actions.joined(separator: ", ") + ";",
            dependsOn: [key])
    }

    static let storageNames = ["p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"]
    static let compressionNames = ["p": "pglz", "l": "lz4"]

    private func tableInfo(_ relation: RelationRow, columns: [ColumnRow], excluded: Set<QualifiedName>) throws(CatalogError) -> TableInfo {
        let kind: TableInfo.Kind =
            relation.kind == "p" ? .partitioned : relation.isPartition ? .partition : relation.isUnlogged ? .unlogged : .ordinary
        var parent: QualifiedName?
        if relation.isPartition, let parentOID = relation.parents.first, let row = relations[parentOID] {
            parent = QualifiedName(schema: row.schema, name: row.name)
        }
        let infos = columns.map { column in
            ColumnInfo(
                name: column.name, attnum: column.attnum, type: column.type, typeOID: column.typeOID, typmod: column.typmod,
                isNotNull: column.notNull, generated: column.generated, identity: column.identity, isVector: column.isVector,
                vectorDimension: column.isVector && column.typmod > 0 ? column.typmod : nil)
        }
        var copyColumns: [String] = []
        for column in columns where column.generated == nil {
            copyColumns.append(try session.quote(column.name))
        }
        return TableInfo(
            schema: relation.schema, name: relation.name, oid: relation.oid, kind: kind, isUnlogged: relation.isUnlogged,
            partitionOf: parent, columns: infos, estimatedRows: relation.tuples < 0 ? nil : relation.tuples,
            estimatedBytes: relation.pages * relation.blockSize, currentBytes: relation.tableBytes,
            isDataDumped: relation.kind == "r" && !isExcluded(relation, excluded),
            copyColumnList: "(" + copyColumns.joined(separator: ", ") + ")")
    }

    /// Excluded by name, or a partition (at any depth) of an excluded table.
    private func isExcluded(_ relation: RelationRow, _ excluded: Set<QualifiedName>) -> Bool {
        var current: RelationRow? = relation
        var seen: Set<UInt32> = []
        while let row = current, seen.insert(row.oid).inserted {
            if excluded.contains(QualifiedName(schema: row.schema, name: row.name)) { return true }
            guard row.isPartition, let parent = row.parents.first else { return false }
            current = relations[parent]
        }
        return false
    }
}
