import ArgumentParser
import ArkivEngine
import Foundation

/// `arkiv drill` / `arkiv-drill`: prove the newest backup restores, every time.
public struct DrillCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Restore the newest set into a scratch database, verify it, drop it, and report.",
        discussion: "Exit 0 when the drill passed, 3 when verification found a difference, 1 when the restore failed.")

    @Option(help: ArgumentHelp("The repository: a directory or s3://BUCKET/PREFIX.", valueName: "dir"))
    var repo: String?

    @OptionGroup var policy: PolicyOptions

    @Option(help: ArgumentHelp("The set to drill (default: the newest complete one).", valueName: "backup-id"))
    var set: String = "latest"

    @Option(help: ArgumentHelp("The drill server's URL (a maintenance database such as postgres).", valueName: "url"))
    var target: String?

    @Option(name: .customLong("target-env"), help: ArgumentHelp("Read the drill server's URL from this environment variable.", valueName: "variable"))
    var targetEnvironmentVariable: String?

    @OptionGroup var keys: SetKeyOptions

    @Option(help: ArgumentHelp("Parallel connections (default 2).", valueName: "n"))
    var jobs: Int?

    @Option(name: .customLong("maintenance-work-mem"), help: ArgumentHelp(
        "maintenance_work_mem for the restore's index builds (default: the policy's [restore] maintenance-work-mem, else the server's).",
        valueName: "size"))
    var maintenanceWorkMemory: String?

    @Flag(name: .customLong("supabase-compat"),
          help: "A Supabase set on plain PostgreSQL: Supabase's auth helpers the set and the server lack are created in the scratch database.")
    var supabaseCompat = false

    @Flag(inversion: .prefixedNo, help: "Keep the scratch database afterwards, to look at a failure (default: dropped).")
    var keep: Bool?

    @Option(name: .customLong("metrics-file"), help: ArgumentHelp("Write a Prometheus textfile with the results.", valueName: "file"))
    var metricsFile: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "Where this host keeps drill reports the repository refuses (default: the policy's [drill] state-dir, $ARKIV_STATE_DIR, /var/lib/arkiv for root, else ~/.local/state/arkiv).",
        valueName: "dir"))
    var stateDirectory: String?

    @Flag(help: "Print the drill report as JSON on stdout.")
    var json = false

    @Flag(name: .customLong("if-due"), help: "Drill only when the policy's [drill] schedule says one is due (for a daily cron line).")
    var ifDue = false

    public init() {}

    public func validate() throws {
        if let size = maintenanceWorkMemory, !RestoreOptions.isMemorySize(size) {
            throw ValidationError("--maintenance-work-mem takes a size such as 512MB or 2GB, not \(size.debugDescription)")
        }
    }

    public func run() throws {
        let settings = try policy.load()
        let repository = try settings.repository(repo)
        let state = settings.value(stateDirectory) { $0.drill.stateDirectory } ?? DrillRunner.defaultStateDirectory()
        if ifDue, let notDue = try Self.notDue(settings, repository: repository, stateDirectory: state) {
            print(notDue)
            return
        }
        var drill = DrillRunner(
            repository: repository,
            target: try settings.connection(url: target, environmentVariable: targetEnvironmentVariable, { $0.drill.target }, key: "drill.target-env"),
            reporter: ProgressReporter(mode: .automatic))
        drill.set = set
        drill.identities = try settings.identities(keys)
        drill.passphrase = try KeySources.passphrase(file: keys.passphraseFile, environmentVariable: keys.passphraseEnvironmentVariable)
        drill.jobs = settings.value(jobs, { $0.restore.jobs }, default: 2)
        drill.maintenanceWorkMemory = settings.value(maintenanceWorkMemory) { $0.restore.maintenanceWorkMemory }
        drill.supabaseCompat = supabaseCompat
        drill.keepScratch = settings.value(keep, { $0.drill.keep }, default: false)
        drill.metricsFile = settings.value(metricsFile) { $0.metricsFile }
        drill.stateDirectory = state
        let report = try drill.run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.text(report))
        }
        if let error = report.error { throw CommandFailure(.failure, "drill of \(report.set) failed: \(error)") }
        guard report.passed else {
            throw CommandFailure(.differenceFound, "drill of \(report.set): verification found \(report.differences.count) difference(s)")
        }
    }

    /// Why no drill is due now, or nil when one is. The last drill counts whatever its outcome:
    /// a failed drill alerts through its exit code and metrics, not by being retried every run.
    static func notDue(_ settings: PolicySettings, repository: String, stateDirectory: String?, now: Date = Date()) throws -> String? {
        guard let schedule = settings.policy?.drill.schedule else {
            throw CommandFailure(.usage, "--if-due needs a policy (--policy) with [drill] schedule")
        }
        let last = DrillRunner.history(repository: repository, stateDirectory: stateDirectory).map(\.startedAt).max()
        guard let last, !schedule.isDue(now: now, lastDrill: last) else { return nil }
        let formatter = ISO8601DateFormatter()
        return "no drill due: the last one ran at \(formatter.string(from: last))"
            + (schedule.nextDue(after: last).map { "; the next is due at \(formatter.string(from: $0))" } ?? "")
    }

    static func text(_ report: DrillReport) -> String {
        var lines = [
            "drill of \(report.set): \(report.passed ? "PASSED" : "FAILED")",
            String(format: "  backup age (RPO)   %.0f s", report.backupAgeSeconds),
            String(format: "  restore            %.1f s  (%d tables, %d rows)", report.restoreSeconds, report.tables, report.rows),
            String(format: "  verify             %.1f s  (%d checks, %d differences)", report.verifySeconds, report.checks, report.differences.count),
            String(format: "  restore + verify   %.1f s  (RTO)", report.totalSeconds),
            "  set size           \(ProgressReporter.bytes(Int64(report.storedBytes)))",
            "  scratch database   \(report.scratchDatabase ?? "-")\(report.scratchDropped ? " (dropped)" : " (kept)")",
        ]
        if let error = report.error { lines.append("  failure: \(error)") }
        for difference in report.differences.prefix(20) {
            lines.append("  difference: \(difference.object) \(difference.check): expected \(VerifyOutput.cell(difference.expected, limit: 60).text), "
                         + "found \(VerifyOutput.cell(difference.actual, limit: 80).text)")
        }
        return lines.joined(separator: "\n")
    }
}
