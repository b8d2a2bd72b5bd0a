import ArkivArchive
import ArkivCatalog
import Foundation

/// What a restore will run, read from the set before the target is touched.
struct RestorePlan {
    struct TableLoad: Sendable {
        let schema: String
        let table: String
        let member: MemberID
        let copyColumnList: String
        let format: String
        let expectedRows: UInt64
        let bytes: UInt64
        var displayName: String { "\(schema).\(table)" }
    }

    let schemas: [String]
    /// The schemas' names once restored (after `--rename-schema`).
    let finalNames: [String]
    private(set) var preData: [DDLStatement]
    private(set) var postData: [DDLStatement]
    let loads: [TableLoad]
    /// The large objects' bytes, when the set holds them and the schema they are filed under is
    /// restored (their `lo_create` statements are that schema's).
    let largeObjects: TableLoad?
    let sequences: [SequenceState]
    /// Partitioned tables: no rows of their own, analysed once their partitions are loaded.
    let partitionedTables: [QualifiedName]
    /// Statements left out because they need a schema of the set that is not being restored.
    let skipped: [DDLStatement]
    /// Statements left out because what they need is neither in the set nor on the target, and
    /// those that depend on them (a comment on a left-out trigger).
    private(set) var unmet: [DDLStatement] = []

    init(set: OpenedBackupSet, schemas requested: [String], renames: [String: String] = [:], includeOwners: Bool, includePrivileges: Bool) throws {
        let inSet = set.manifest.schemas.map(\.name)
        for schema in requested + Array(renames.keys) where !inSet.contains(schema) {
            throw RestoreError.unknownSchema(schema, inSet: inSet)
        }
        let schemas = requested.isEmpty ? inSet : inSet.filter { requested.contains($0) }
        var preData: [DDLStatement] = [], postData: [DDLStatement] = [], loads: [TableLoad] = [], sequences: [SequenceState] = []
        var partitioned: [QualifiedName] = []
        for schema in schemas {
            preData += try set.json([DDLStatement].self, schema: schema, member: SetFiles.preDataMember)
            postData += try set.json([DDLStatement].self, schema: schema, member: SetFiles.postDataMember)
            sequences += try set.json([SequenceState].self, schema: schema, member: SetFiles.sequencesMember)
            let tables = try set.json([TableInfo].self, schema: schema, member: SetFiles.tablesMember)
            guard let reader = set.readers[schema] else { throw RestoreError.missingMember(schema: schema, member: "archive") }
            partitioned += tables.filter { $0.kind == .partitioned }.map(\.qualifiedName)
            for table in tables where table.isDataDumped {
                guard let entry = set.manifest.tables.first(where: { $0.schema == table.schema && $0.name == table.name }),
                      let part = entry.parts.first, let member = reader.member(named: part.member) else {
                    throw RestoreError.missingMember(schema: schema, member: "data of \(table.schema).\(table.name)")
                }
                // Refused here, before the target is touched, not after loading one part of it.
                guard entry.parts.count == 1 else {
                    throw RestoreError.tableInParts(table: "\(table.schema).\(table.name)", parts: entry.parts.count, tool: set.manifest.tool)
                }
                loads.append(TableLoad(
                    schema: table.schema, table: table.name, member: member.id, copyColumnList: table.copyColumnList,
                    format: entry.copyFormat, expectedRows: entry.rows, bytes: entry.plaintextBytes))
            }
        }
        var largeObjects: TableLoad?
        if let objects = set.manifest.largeObjects, schemas.contains(objects.data.schema) {
            guard let reader = set.readers[objects.data.schema], let part = objects.data.parts.first,
                  let member = reader.member(named: part.member) else {
                throw RestoreError.missingMember(schema: objects.data.schema, member: "data of the large objects")
            }
            guard objects.data.parts.count == 1 else {
                throw RestoreError.tableInParts(table: "large objects", parts: objects.data.parts.count, tool: set.manifest.tool)
            }
            largeObjects = TableLoad(schema: objects.data.schema, table: objects.data.name, member: member.id, copyColumnList: "",
                                     format: "binary", expectedRows: objects.data.rows, bytes: objects.data.plaintextBytes)
        }
        self.largeObjects = largeObjects
        let absent = Set(inSet).subtracting(schemas)
        func needsAbsentSchema(_ statement: DDLStatement) -> Bool {
            (statement.dependsOn ?? []).contains { name in QualifiedName.schema(ofDottedName: name).map(absent.contains) ?? false }
        }
        let wanted = { (statement: DDLStatement) in
            (includeOwners || !statement.isOwnership) && (includePrivileges || !statement.isPrivilege)
        }
        self.schemas = schemas
        self.finalNames = schemas.map { renames[$0] ?? $0 }
        self.preData = preData.filter { wanted($0) && !needsAbsentSchema($0) }.sorted { $0.position < $1.position }
        self.postData = postData.filter { wanted($0) && !needsAbsentSchema($0) }.sorted { $0.position < $1.position }
        self.skipped = (preData + postData).filter { wanted($0) && needsAbsentSchema($0) }.sorted { $0.position < $1.position }
        self.loads = loads.sorted { $0.bytes > $1.bytes }
        self.sequences = sequences
        self.partitionedTables = partitioned
    }

    /// Leaves out statements by "kind name" (see `TargetChecks.requirements`), with whatever
    /// depends on them.
    mutating func leaveOut(statements keys: Set<String>) {
        guard !keys.isEmpty else { return }
        var names = Set<String>()
        let isLeftOut = { (statement: DDLStatement) -> Bool in
            keys.contains("\(statement.kind) \(statement.name)") || !Set(statement.dependsOn ?? []).isDisjoint(with: names)
        }
        for statement in (preData + postData).sorted(by: { $0.position < $1.position }) where isLeftOut(statement) {
            names.insert(statement.name)
            unmet.append(statement)
        }
        let removed = Set(unmet.map { "\($0.kind)\u{0}\($0.name)\u{0}\($0.position)" })
        let keep = { (statement: DDLStatement) in !removed.contains("\(statement.kind)\u{0}\(statement.name)\u{0}\(statement.position)") }
        preData = preData.filter(keep)
        postData = postData.filter(keep)
    }

    /// Roles named by the statements replaced as `--role-map` says.
    mutating func mapRoles(_ map: [String: String], quote: (String) throws -> String) rethrows {
        guard !map.isEmpty else { return }
        preData = try preData.map { try $0.mappingRoles(map, quote: quote) }
        postData = try postData.map { try $0.mappingRoles(map, quote: quote) }
    }

    /// Leaves out the statements that create these extensions (Supabase's own, with
    /// `--supabase-compat`, where the target cannot install them).
    mutating func leaveOut(extensions names: Set<String>) {
        guard !names.isEmpty else { return }
        preData.removeAll { $0.kind == "extension" && names.contains($0.name) }
    }

    /// Into schemas that exist in the target and hold only an extension's objects: the
    /// schema's own statements (create, comment, owner, grants) are left to the platform.
    /// Returns them.
    mutating func join(sharedSchemas: Set<String>) -> [DDLStatement] {
        guard !sharedSchemas.isEmpty else { return [] }
        let isShared = { (statement: DDLStatement) in sharedSchemas.contains { SharedSchemas.isSchemaLevel(statement, schema: $0) } }
        let left = (preData + postData).filter(isShared)
        preData.removeAll(where: isShared)
        postData.removeAll(where: isShared)
        return left
    }

    /// Extension members named with the schema the target has the extension in.
    mutating func relocate(_ relocations: [ExtensionRelocation]) {
        for relocation in relocations {
            preData = preData.map(relocation.apply)
            postData = postData.map(relocation.apply)
        }
    }
}
