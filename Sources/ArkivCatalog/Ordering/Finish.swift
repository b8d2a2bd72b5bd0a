extension CatalogBuilder {
    /// Orders every statement (dependencies first, within each phase) and assembles the
    /// snapshot.
    func finish() throws(CatalogError) -> CatalogSnapshot {
        try postponeViewsNeedingPostData()
        // Only dependencies on statements of the same phase order anything: pre-data all runs
        // before post-data. One the other way round cannot be met, so it is reported.
        var dependencies: [ObjectKey: Set<ObjectKey>] = [:]
        var names: [ObjectKey: Set<String>] = [:]
        for (key, statement) in statements {
            var needs: Set<ObjectKey> = []
            for raw in statement.dependencies {
                guard let target = creator(of: raw), target != key, let needed = statements[target] else { continue }
                if needed.name != statement.name || needed.kind != statement.kind { names[key, default: []].insert(needed.name) }
                if needed.phase == statement.phase {
                    needs.insert(target)
                } else if statement.phase == .preData {
                    report(statement.kind, statement.name, "it depends on \(needed.kind) \(needed.name), which can only be created after the data")
                }
            }
            dependencies[key] = needs
        }
        let needed = Set(dependencies.values.flatMap { $0 })
        for (key, statement) in statements where statement.rank == .function && !needed.contains(key) {
            statements[key]?.rank = .unneededFunction
        }
        let schemaOrder = orderedSchemas(dependencies)
        let schemaIndex = Dictionary(uniqueKeysWithValues: schemaOrder.enumerated().map { ($1, $0) })
        let pre = statements.filter { $0.value.phase == .preData }
        let post = statements.filter { $0.value.phase == .postData }
        let preOrder = try StatementOrder.sort(pre, dependencies: dependencies.filter { pre[$0.key] != nil }, schemaOrder: schemaIndex)
        let postOrder = try StatementOrder.sort(post, dependencies: dependencies.filter { post[$0.key] != nil }, schemaOrder: schemaIndex)

        var preData: [String: [DDLStatement]] = [:], postData: [String: [DDLStatement]] = [:]
        for (position, key) in preOrder.enumerated() {
            guard let statement = statements[key] else { continue }
            preData[statement.schema, default: []].append(ddl(statement, position: position, names: names[key]))
        }
        for (position, key) in postOrder.enumerated() {
            guard let statement = statements[key] else { continue }
            postData[statement.schema, default: []].append(ddl(statement, position: position, names: names[key]))
        }
        return CatalogSnapshot(
            serverVersionNumber: session.version, extensions: extensionInfos(),
            schemas: schemaOrder.map { SchemaDDL(schema: $0, preData: preData[$0] ?? [], postData: postData[$0] ?? []) },
            tables: tables, sequences: sequences.sorted { ($0.schema, $0.name) < ($1.schema, $1.name) },
            unsupported: unsupported, omissions: omissions, externalDependencies: externalDependencies, extensionMembers: extensionMembers, largeObjectCount: largeObjectCount)
    }

    private func ddl(_ statement: PendingStatement, position: Int, names: Set<String>?) -> DDLStatement {
        DDLStatement(
            kind: statement.kind, name: statement.name, sql: statement.sql,
            dependsOn: names.flatMap { $0.isEmpty ? nil : $0.sorted() }, position: position,
            roles: statement.roles.isEmpty ? nil : statement.roles)
    }

    /// The schemas in an order where, if possible, each one's pre-data needs only schemas
    /// before it; ties (and cycles) keep the order asked for.
    private func orderedSchemas(_ dependencies: [ObjectKey: Set<ObjectKey>]) -> [String] {
        var needs: [String: Set<String>] = [:]
        for (key, targets) in dependencies {
            guard let statement = statements[key], statement.phase == .preData else { continue }
            for target in targets {
                if let other = statements[target]?.schema, other != statement.schema {
                    needs[statement.schema, default: []].insert(other)
                }
            }
        }
        var placed: [String] = []
        var left = session.schemas
        while !left.isEmpty {
            let next = left.firstIndex { schema in (needs[schema] ?? []).allSatisfy { placed.contains($0) } } ?? 0
            placed.append(left.remove(at: next))
        }
        return placed
    }
}
