import ArkivArchive
import ArkivEngine
import Foundation

/// The final report of a backup: a table for people, one JSON object for scripts.
enum BackupSummary {
    static func text(_ result: BackupResult) -> String {
        let manifest = result.manifest
        let rows = manifest.tables.map { table -> [String] in
            [table.schema + "." + table.name, String(table.rows), ProgressReporter.bytes(Int64(table.plaintextBytes)),
             ProgressReporter.bytes(Int64(table.storedBytes)), table.copyFormat,
             table.vectorColumns.map { "\($0.name):\($0.minDimension.map(String.init) ?? "-")d/\($0.nullCount) null" }.joined(separator: " ")]
        }
        let stored = manifest.files.reduce(UInt64(0)) { $0 + $1.bytes }
        let plaintext = manifest.tables.reduce(UInt64(0)) { $0 + $1.plaintextBytes }
        let totalRows = manifest.tables.reduce(UInt64(0)) { $0 + $1.rows }
        var text = TextTable.render(header: ["TABLE", "ROWS", "COPY BYTES", "STORED", "FORMAT", "VECTORS"], rows: rows)
        text += "\n\nbackup \(manifest.backupID) complete: \(manifest.tables.count) tables, \(totalRows) rows, "
        text += "\(ProgressReporter.bytes(Int64(plaintext))) read, \(ProgressReporter.bytes(Int64(stored))) stored in "
        text += String(format: "%.1f s", result.seconds)
        text += manifest.encryption.isEncrypted
            ? " (encrypted to \(manifest.encryption.recipientKeyIDs.joined(separator: ", "))\(manifest.encryption.hasPassphrase ? " and a passphrase" : ""))"
            : " (NOT encrypted)"
        text += "\n\(result.path)"
        if !manifest.excluded.isEmpty {
            // Extension members come by the hundred; one line per reason says the same.
            let groups = Dictionary(grouping: manifest.excluded, by: \.reason)
            text += "\nleft out on purpose (listed in the manifest):"
            for reason in groups.keys.sorted() {
                guard let objects = groups[reason] else { continue }
                if reason == OutsideTables.reason {
                    text += "\n  \(objects.count) table\(objects.count == 1 ? "" : "s") with rows, in schemas this backup does not take: "
                        + objects.prefix(20).map(\.name).joined(separator: ", ") + (objects.count > 20 ? ", …" : "")
                    continue
                }
                text += objects.count == 1
                    ? "\n  \(objects[0].kind) \(objects[0].name): \(reason)"
                    : "\n  \(objects.count) objects (\(Set(objects.map(\.kind)).sorted().joined(separator: ", "))): \(reason)"
            }
        }
        for requirement in manifest.requires {
            text += "\nneeds from outside the set: \(requirement.object) needs \(requirement.needs)"
        }
        return text
    }

    static func json(_ result: BackupResult) throws -> String {
        let manifest = result.manifest
        let object: [String: Any] = [
            "event": "summary",
            "id": manifest.backupID,
            "path": result.path,
            "seconds": (result.seconds * 1000).rounded() / 1000,
            "tables": manifest.tables.count,
            "rows": manifest.tables.reduce(UInt64(0)) { $0 + $1.rows },
            "plaintextBytes": manifest.tables.reduce(UInt64(0)) { $0 + $1.plaintextBytes },
            "storedBytes": manifest.files.reduce(UInt64(0)) { $0 + $1.bytes },
            "encrypted": manifest.encryption.isEncrypted,
            "excluded": manifest.excluded.map { ["kind": $0.kind, "name": $0.name, "reason": $0.reason] },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
