import ArkivPostgres

/// Which schemas a backup takes: the ones asked for, or by default every schema that is not
/// the system's (pg_catalog, information_schema, pg_toast, temp) and not created by an
/// extension; minus the excluded ones. Unknown names are errors, not silently empty backups.
enum SchemaSelection {
    static func resolve(_ connection: Connection, include: [String], exclude: [String]) throws -> [String] {
        let rows = try connection.query("""
            SELECT n.nspname,
                   EXISTS (SELECT 1 FROM pg_depend d
                           WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e') AS extension_owned
            FROM pg_namespace n
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
            ORDER BY n.nspname
            """).rows
        let all = try rows.map { try $0.decode(String.self, "nspname") }
        let defaults = try rows.filter { try !$0.decode(Bool.self, "extension_owned") }.map { try $0.decode(String.self, "nspname") }
        for name in include + exclude where !all.contains(name) {
            throw BackupError.unknownSchema(name, available: all)
        }
        let chosen = include.isEmpty ? defaults : include
        var seen = Set<String>()
        return chosen.filter { !exclude.contains($0) && seen.insert($0).inserted }
    }
}
