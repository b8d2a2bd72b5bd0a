import ArkivCatalog
import ArkivArchive
import ArkivPostgres
import Foundation

/// One table's data, as the backup plans to copy it.
struct TablePlan: Sendable {
    let schema: String
    let name: String
    /// `"schema"."table"`, quoted by the server's rules.
    let qualifiedName: String
    /// The quoted column list COPY uses (generated columns are never copied).
    let columnList: String
    let format: CopyRowInspector.Format
    let vectorColumns: [VectorColumnPlan]
    let estimatedBytes: Int64
    /// The archive file (schema) and the member name within it.
    let fileName: String
    /// The large objects' stream instead of a table (`LargeObjectData`).
    var isLargeObjects = false
    var memberName: String { "data \(qualifiedName)" }
    var displayName: String { isLargeObjects ? "large objects" : "\(schema).\(name)" }

    var copyStatement: String {
        if isLargeObjects { return LargeObjectData.copyOut() }
        return "COPY \(qualifiedName) (\(columnList)) TO STDOUT" + (format == .binary ? " (FORMAT binary)" : "")
    }

    /// The large objects as one more data member, in the first schema's archive file. Its member
    /// name cannot be a table's: pg_catalog is never dumped.
    static func largeObjects(count: Int, fileName: String, schema: String) -> TablePlan {
        TablePlan(schema: schema, name: "pg_largeobject", qualifiedName: "pg_catalog.pg_largeobject", columnList: "loid, off, data",
                  format: .binary, vectorColumns: [], estimatedBytes: Int64(count) * Int64(LargeObjectData.chunkSize),
                  fileName: fileName, isLargeObjects: true)
    }
}

struct VectorColumnPlan: Sendable {
    let name: String
    /// Position in the COPY column list.
    let index: Int
    let declaredDimension: Int?
}

/// What copying one table produced, for the manifest.
struct TableCopyResult: Sendable {
    let plan: TablePlan
    let rows: UInt64
    let member: MemberSummary
    let contentHash: ContentHash
    let vectors: [CopyRowInspector.VectorStats]
    let seconds: Double
}

/// Streams one table from COPY into its archive member, hashing and measuring on the way.
enum TableCopier {
    /// Rows are gathered into blocks this size before they go to the archive writer: one
    /// lock, one hash update and one memcpy per block instead of per row.
    static let blockSize = 256 << 10

    static func copy(_ plan: TablePlan, from connection: Connection, into writer: ArchiveWriter, reporter: ProgressReporter) throws -> TableCopyResult {
        let started = Date()
        reporter.begin(plan.displayName, estimatedBytes: plan.estimatedBytes)
        // Binary vector data barely compresses: spend the CPU on throughput instead.
        let member = try writer.beginMember(kind: .data, name: plan.memberName, favorSpeed: plan.format == .binary && !plan.vectorColumns.isEmpty)
        let inspector = try CopyRowInspector(format: plan.format, vectorColumns: plan.vectorColumns)
        var block = [UInt8]()
        block.reserveCapacity(blockSize + 64 << 10)
        var rowsSinceReport: Int64 = 0
        func flush() throws {
            guard !block.isEmpty else { return }
            try writer.append(member, block)
            reporter.advance(plan.displayName, rows: rowsSinceReport, bytes: Int64(block.count))
            rowsSinceReport = 0
            block.removeAll(keepingCapacity: true)
        }
        let serverRows = try connection.copyOut(plan.copyStatement) { message in
            try inspector.inspect(message)
            block.append(contentsOf: message)
            rowsSinceReport += 1
            if block.count >= blockSize { try flush() }
        }
        try flush()
        // The server's own count and ours must agree, or something between us lost a row.
        guard UInt64(serverRows) == inspector.rows else {
            throw BackupError.rowCountMismatch(table: plan.displayName, server: serverRows, counted: inspector.rows)
        }
        if plan.format == .binary && !inspector.sawTrailer {
            throw BackupError.rowCountMismatch(table: plan.displayName, server: serverRows, counted: inspector.rows)
        }
        let summary = try writer.finishMember(member)
        let seconds = Date().timeIntervalSince(started)
        reporter.finish(plan.displayName, event: "table", fields: [
            "rows": Int(inspector.rows), "bytes": Int(summary.plaintextBytes), "stored": Int(summary.storedBytes),
            "seconds": (seconds * 1000).rounded() / 1000, "format": plan.format.rawValue,
        ])
        return TableCopyResult(plan: plan, rows: inspector.rows, member: summary, contentHash: inspector.contentHash,
                               vectors: inspector.vectors, seconds: seconds)
    }
}
