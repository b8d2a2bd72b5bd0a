import ArkivRepository
import Foundation

/// The Prometheus textfile (node_exporter's textfile collector) a drill leaves for monitoring:
/// when the last backup and drill happened, how big and how long, and whether the drill passed.
enum DrillMetrics {
    /// - Parameter backupSeconds: how long the backup took (its start to its manifest), when known.
    static func text(_ report: DrillReport, backupCreatedAt: Date, backupSeconds: Double?) -> String {
        var lines: [(String, String, Double)] = [
            ("arkiv_last_backup_timestamp_seconds", "Start time of the newest backup set the drill used.", backupCreatedAt.timeIntervalSince1970),
            ("arkiv_last_backup_size_bytes", "Bytes on disk of that backup set.", Double(report.storedBytes)),
            ("arkiv_last_drill_timestamp_seconds", "When the last drill started.", report.startedAt.timeIntervalSince1970),
            ("arkiv_last_drill_success", "1 if the last drill restored and verified the set without a difference.", report.passed ? 1 : 0),
            ("arkiv_last_drill_backup_age_seconds", "Age of the backup at the drill (recovery point).", report.backupAgeSeconds),
            ("arkiv_last_drill_restore_seconds", "Restore duration in the last drill.", report.restoreSeconds),
            ("arkiv_last_drill_verify_seconds", "Verification duration in the last drill.", report.verifySeconds),
            ("arkiv_last_drill_duration_seconds", "Restore plus verification (recovery time).", report.totalSeconds),
            ("arkiv_last_drill_differences", "Differences the last drill's verification found.", Double(report.differences.count)),
        ]
        if let backupSeconds {
            lines.insert(("arkiv_last_backup_duration_seconds", "How long that backup took: its start to its manifest, written last.", backupSeconds), at: 2)
        }
        return lines.map { name, help, value in
            "# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(format(value))"
        }.joined(separator: "\n") + "\n"
    }

    /// Written to a temporary name and renamed, so the collector never reads half a file.
    static func write(_ report: DrillReport, backupCreatedAt: Date, backupSeconds: Double?, to path: String) throws {
        let temporary = path + ".tmp"
        try Data(text(report, backupCreatedAt: backupCreatedAt, backupSeconds: backupSeconds).utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            throw RepositoryError.io(operation: "write the metrics file", path: path, errno: errno)
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.3f", value)
    }
}
