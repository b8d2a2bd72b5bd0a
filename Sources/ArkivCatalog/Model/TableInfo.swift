/// A table whose definition is dumped, and what its data copy needs to know.
public struct TableInfo: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable {
        case ordinary, partitioned, partition, unlogged
    }

    public var schema: String
    public var name: String
    public var oid: UInt32
    /// `partitioned` and `partition` win over `unlogged`; see `isUnlogged`.
    public var kind: Kind
    public var isUnlogged: Bool
    /// The partitioned table this one is a partition of.
    public var partitionOf: QualifiedName?
    public var columns: [ColumnInfo]
    /// `pg_class.reltuples`; nil when the table was never vacuumed or analysed.
    public var estimatedRows: Double?
    /// `pg_class.relpages` times the block size, as of the last vacuum or analyse.
    public var estimatedBytes: Int64
    /// `pg_table_size` (heap, TOAST and maps) now, which stays right between vacuums.
    public var currentBytes: Int64
    /// False for partitioned parents (their rows live in the partitions) and for tables whose
    /// data was excluded.
    public var isDataDumped: Bool
    /// `("a", "b")`: the columns a COPY must name, without generated columns (which COPY FROM
    /// cannot take) and in column order.
    public var copyColumnList: String

    public var qualifiedName: QualifiedName { QualifiedName(schema: schema, name: name) }

    /// Columns declared as pgvector vectors.
    public var vectorColumns: [ColumnInfo] { columns.filter(\.isVector) }
}

public struct ColumnInfo: Codable, Sendable, Hashable {
    public enum Identity: String, Codable, Sendable {
        case always, byDefault
    }

    public enum Generated: String, Codable, Sendable {
        case stored, virtual
    }

    public var name: String
    public var attnum: Int
    /// `format_type(atttypid, atttypmod)`, schema-qualified when outside pg_catalog.
    public var type: String
    public var typeOID: UInt32
    public var typmod: Int
    public var isNotNull: Bool
    public var generated: Generated?
    public var identity: Identity?
    /// pgvector's `vector` or `halfvec`.
    public var isVector: Bool
    /// The declared dimension of a vector column (`vector(1536)` → 1536), if declared.
    public var vectorDimension: Int?

    public var isGenerated: Bool { generated != nil }
}
