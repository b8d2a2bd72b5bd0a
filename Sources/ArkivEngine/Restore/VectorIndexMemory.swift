import ArkivArchive
import ArkivCatalog
import Foundation

/// The memory an HNSW build's in-memory graph will take, from what the set knows before a byte
/// is loaded: the column's non-NULL rows and dimension (manifest) and the index's `m` and operator
/// class (its statement). A graph larger than maintenance_work_mem is finished on disk, several
/// times slower, and pgvector only says so once the build is well under way.
struct VectorIndexMemory {
    /// The index statement's name, e.g. `vault.embeddings.embeddings_embedding_hnsw_idx`.
    let index: String
    let vectors: UInt64
    let dimension: Int
    let bytes: UInt64

    /// Bytes per graph element besides the value, as pgvector 0.8 lays it out: the element (~176
    /// bytes with its lock and heap TIDs), layer 0's 2·m neighbours of 16 bytes, and the upper
    /// layers' m neighbours for the 1/(m-1) of elements that have them on average. Checked
    /// against the server's own "no longer fits after N tuples" notice (1536-d, m = 16: 6,858).
    static func elementBytes(dimension: Int, bytesPerDimension: Int, m: Int) -> UInt64 {
        let value = 8 + bytesPerDimension * dimension
        let upper = (8 + 16 * m) / max(m - 1, 1)
        return UInt64(value + 176 + 32 * m + upper)
    }

    /// One estimate per HNSW index on a `vector` or `halfvec` column the manifest describes.
    static func estimates(_ statements: [DDLStatement], tables entries: [Manifest.TableEntry]) -> [VectorIndexMemory] {
        statements.compactMap { statement in
            guard statement.kind == "index", let build = HNSWDefinition(statement.sql) else { return nil }
            let tables = (statement.dependsOn ?? []).compactMap { try? QualifiedName(parsing: $0) }
            guard let entry = entries.first(where: { entry in
                tables.contains { $0.schema == entry.schema && $0.name == entry.name }
            }), let column = entry.vectorColumns.first(where: { $0.name == build.column }),
                let dimension = column.maxDimension ?? column.declaredDimension else { return nil }
            let vectors = entry.rows - min(column.nullCount, entry.rows)
            let bytes = vectors * elementBytes(dimension: dimension, bytesPerDimension: build.bytesPerDimension, m: build.m)
            return VectorIndexMemory(index: statement.name, vectors: vectors, dimension: dimension, bytes: bytes)
        }
    }

    /// What the estimate says against `available` bytes of maintenance_work_mem, or nil when it fits.
    func warning(available: UInt64) -> String? {
        guard bytes > available else { return nil }
        // Room to spare, rounded up to a whole number of MB a person can type.
        let suggested = (bytes + bytes / 4 + (1 << 20) - 1) >> 20
        return "its HNSW graph (\(vectors) vectors of \(dimension) dimensions) needs about \(Self.megabytes(bytes)) MB, "
            + "maintenance_work_mem is \(Self.megabytes(available)) MB: the build will finish on disk, several times slower. "
            + "--maintenance-work-mem \(suggested)MB avoids that where the server has the memory (in Docker, also a /dev/shm larger than it)"
    }

    private static func megabytes(_ bytes: UInt64) -> UInt64 { (bytes + (1 << 19)) >> 20 }
}

/// The parts of `pg_get_indexdef` output for an HNSW index that its memory depends on.
struct HNSWDefinition {
    let column: String
    let bytesPerDimension: Int
    let m: Int

    /// nil for other access methods, expressions and types other than vector and halfvec.
    init?(_ sql: String) {
        let pattern = #" USING hnsw \((.+?) (?:[A-Za-z_][A-Za-z0-9_]*\.)?(vector|halfvec)_[a-z0-9]+_ops\)"#
        guard let match = sql.range(of: pattern, options: .regularExpression) else { return nil }
        let body = String(sql[match].dropFirst(" USING hnsw (".count))
        guard let space = body.range(of: " ", options: .backwards) else { return nil }
        let key = body[..<space.lowerBound]
        let opclass = body[space.upperBound...]
        // An expression is printed in parentheses; a column is one identifier, maybe quoted.
        guard !key.hasPrefix("("), let names = QualifiedName.parts(of: String(key)), names.count == 1 else { return nil }
        column = names[0]
        bytesPerDimension = opclass.contains("halfvec_") ? 2 : 4
        if let setting = sql.range(of: #"[( ]m ?= ?'?[0-9]+"#, options: .regularExpression) {
            m = Int(sql[setting].filter(\.isNumber)) ?? 16
        } else {
            m = 16
        }
    }
}
