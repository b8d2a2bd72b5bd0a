import ArkivCatalog
import ArkivPostgres

/// Turns the catalog's tables into copy plans: which format, which columns, which file.
enum TablePlanner {
    /// Built-in types whose binary COPY form is the same on every PostgreSQL major version
    /// arkiv supports (13–18), so a binary dump restores on the same and on newer servers.
    static let binaryStableTypes: Set<UInt32> = [
        16, 17, 20, 21, 23, 25, 26, 114, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1700, 2950, 3802,
        1000, 1001, 1005, 1007, 1009, 1015, 1016, 1021, 1022, 1115, 1182, 1185, 1231, 2951, 3807,
    ]

    static func plans(catalog: CatalogSnapshot, fileNames: [String: String], connection: Connection) throws -> [TablePlan] {
        try catalog.tables.filter(\.isDataDumped).map { table in
            let copied = copiedColumns(table)
            let format = chooseFormat(copied)
            let vectors = vectorColumns(table)
            guard let fileName = fileNames[table.schema] else {
                throw BackupError.unknownSchema(table.schema, available: Array(fileNames.keys))
            }
            return TablePlan(
                schema: table.schema, name: table.name,
                qualifiedName: try connection.quoteQualified(table.schema, table.name),
                columnList: try copied.map { try connection.quoteIdentifier($0.name) }.joined(separator: ", "),
                format: format, vectorColumns: vectors,
                estimatedBytes: max(table.currentBytes, table.estimatedBytes), fileName: fileName)
        }
    }

    /// The columns COPY reads and writes, in order: every column but generated ones.
    static func copiedColumns(_ table: TableInfo) -> [ColumnInfo] {
        table.columns.filter { !$0.isGenerated }.sorted { $0.attnum < $1.attnum }
    }

    /// The vector columns with their positions in the COPY column list.
    static func vectorColumns(_ table: TableInfo) -> [VectorColumnPlan] {
        copiedColumns(table).enumerated().compactMap { index, column in
            column.isVector ? VectorColumnPlan(name: column.name, index: index, declaredDimension: column.vectorDimension) : nil
        }
    }

    /// Binary wherever every column has a binary form that is stable across major versions:
    /// measured on the workspace (docs/BENCHMARKS.md), binary COPY costs the server a third less
    /// than text for ordinary tables and four times less for 1536-d vectors, is smaller, and
    /// compresses faster. Any other column type (enums, domains, inet, …) keeps the table in
    /// text, which every version reads.
    static func chooseFormat(_ columns: [ColumnInfo]) -> CopyRowInspector.Format {
        let allStable = columns.allSatisfy { $0.isVector || binaryStableTypes.contains($0.typeOID) }
        return allStable && !columns.isEmpty ? .binary : .text
    }
}
