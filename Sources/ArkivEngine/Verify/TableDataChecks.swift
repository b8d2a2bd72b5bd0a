import ArkivArchive

/// What the manifest says of a table's data against what a re-read measured: rows, content
/// hash and, per vector column, the NULL count and observed dimension range. One place, so the
/// archive, restored and data-only checks judge a table the same way.
enum TableDataChecks {
    static func compare(
        _ name: String, with entry: Manifest.TableEntry, rows: UInt64, contentHash: ContentHash,
        vectors: [CopyRowInspector.VectorStats]
    ) -> [VerifyReport.Check] {
        var checks: [VerifyReport.Check] = [
            .init(object: name, check: "rows", expected: String(entry.rows), actual: String(rows)),
            .init(object: name, check: "content hash", expected: entry.contentHash, actual: contentHash.description),
        ]
        for column in entry.vectorColumns {
            let seen = vectors.first { $0.column == column.name }
            checks.append(.init(
                object: "\(name).\(column.name)", check: "vector facts",
                expected: vectorFacts(column.nullCount, column.minDimension, column.maxDimension),
                actual: vectorFacts(seen?.nullCount ?? 0, seen?.minDimension, seen?.maxDimension)))
        }
        return checks
    }

    static func compare(_ name: String, with entry: Manifest.TableEntry, inspector: CopyRowInspector) -> [VerifyReport.Check] {
        compare(name, with: entry, rows: inspector.rows, contentHash: inspector.contentHash, vectors: inspector.vectors)
    }

    static func vectorFacts(_ nulls: UInt64, _ minimum: Int?, _ maximum: Int?) -> String {
        "\(nulls) NULL, dimensions \(minimum.map(String.init) ?? "-")…\(maximum.map(String.init) ?? "-")"
    }
}
