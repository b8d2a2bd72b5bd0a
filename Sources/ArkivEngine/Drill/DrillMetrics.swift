import Foundation

/// The Prometheus textfile a drill writes (`arkiv-drill --metrics-file`, `[metrics] drill-file`):
/// when it ran, whether it passed, the recovery point and time, and the set it proved. Its own
/// names only: the backup's metrics are the backup's (BackupMetrics), written where it runs.
enum DrillMetrics {
    /// - Parameter backupSeconds: how long the drilled set's backup took (its start to its manifest), when known.
    static func gauges(_ report: DrillReport, backupCreatedAt: Date, backupSeconds: Double?) -> [MetricsFile.Gauge] {
        var gauges: [MetricsFile.Gauge] = [
            .init(name: "arkiv_last_drill_timestamp_seconds", help: "When the last drill started.", value: report.startedAt.timeIntervalSince1970),
            .init(name: "arkiv_last_drill_success", help: "1 if the last drill restored and verified the set without a difference.",
                  value: report.passed ? 1 : 0),
            .init(name: "arkiv_last_drill_set_timestamp_seconds", help: "Start time of the backup set the last drill restored.",
                  value: backupCreatedAt.timeIntervalSince1970),
            .init(name: "arkiv_last_drill_set_size_bytes", help: "Stored bytes of that set.", value: Double(report.storedBytes)),
            .init(name: "arkiv_last_drill_backup_age_seconds", help: "Age of the set at the drill (recovery point).", value: report.backupAgeSeconds),
            .init(name: "arkiv_last_drill_restore_seconds", help: "Restore duration in the last drill.", value: report.restoreSeconds),
            .init(name: "arkiv_last_drill_verify_seconds", help: "Verification duration in the last drill.", value: report.verifySeconds),
            .init(name: "arkiv_last_drill_duration_seconds", help: "Restore plus verification (recovery time).", value: report.totalSeconds),
            .init(name: "arkiv_last_drill_differences", help: "Differences the last drill's verification found.", value: Double(report.differences.count)),
        ]
        if let backupSeconds {
            gauges.insert(.init(name: "arkiv_last_drill_set_backup_duration_seconds",
                                help: "How long that set's backup took: its start to its manifest, written last.", value: backupSeconds), at: 4)
        }
        return gauges
    }

    static func write(_ report: DrillReport, repository: String, backupCreatedAt: Date, backupSeconds: Double?, to path: String)
        throws(MetricsFile.WriteError)
    {
        try MetricsFile.write(gauges(report, backupCreatedAt: backupCreatedAt, backupSeconds: backupSeconds), labels: ["repository": repository], to: path)
    }
}
