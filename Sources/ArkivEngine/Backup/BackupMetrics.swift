import Foundation

/// The Prometheus textfile a backup writes (`arkiv-backup --metrics-file`, `[metrics]
/// backup-file`): when the last backup succeeded, how big and how long, and whether the last
/// attempt did. A failed attempt keeps the last success's values, so "no backup for 26 hours"
/// stays true to the repository.
public enum BackupMetrics {
    static let lastSuccessNames = [
        "arkiv_last_backup_timestamp_seconds", "arkiv_last_backup_size_bytes", "arkiv_last_backup_duration_seconds",
        "arkiv_last_backup_tables", "arkiv_last_backup_rows",
    ]

    /// - Parameter result: the backup, or nil when it failed.
    public static func write(_ result: BackupResult?, repository: String, attemptedAt: Date, to path: String) throws(MetricsFile.WriteError) {
        var gauges: [MetricsFile.Gauge] = [
            .init(name: "arkiv_backup_last_attempt_timestamp_seconds", help: "When the last backup attempt started.",
                  value: attemptedAt.timeIntervalSince1970),
            .init(name: "arkiv_backup_last_attempt_success", help: "1 if the last backup attempt wrote a complete set.", value: result == nil ? 0 : 1),
        ]
        let help = [
            "arkiv_last_backup_timestamp_seconds": "Start time of the newest complete backup set this host wrote.",
            "arkiv_last_backup_size_bytes": "Stored bytes of that set.",
            "arkiv_last_backup_duration_seconds": "How long that backup took.",
            "arkiv_last_backup_tables": "Tables in that set.",
            "arkiv_last_backup_rows": "Rows in that set.",
        ]
        let values: [String: Double]
        if let result {
            let manifest = result.manifest
            values = [
                "arkiv_last_backup_timestamp_seconds": manifest.createdAt.timeIntervalSince1970,
                "arkiv_last_backup_size_bytes": Double(manifest.files.reduce(UInt64(0)) { $0 + $1.bytes }),
                "arkiv_last_backup_duration_seconds": result.seconds,
                "arkiv_last_backup_tables": Double(manifest.tables.count),
                "arkiv_last_backup_rows": Double(manifest.tables.reduce(UInt64(0)) { $0 + $1.rows }),
            ]
        } else {
            values = MetricsFile.values(in: path)
        }
        for name in lastSuccessNames {
            if let value = values[name] { gauges.append(.init(name: name, help: help[name] ?? "", value: value)) }
        }
        try MetricsFile.write(gauges, labels: ["repository": repository], to: path)
    }
}
