import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// docs/OPERATIONS.md, "Nightly set-up" and "Monitoring", as an operator follows them: the
/// shipped policy on a repository that does not exist yet, metrics folders that do not exist,
/// a drill host that may only read the repository.
@Suite("Nightly operations as documented")
struct NightlyOperationsTests {
    static let server = TestServer.pg16

    /// `policies/docker-local.toml` as shipped, with only its paths, server and key files
    /// pointed at the test's.
    static func shippedPolicy(base: String, database: String, recipients: String, identity: String) throws -> String {
        let url = try #require(URLComponents(string: try server.url(database: database)))
        var text = try String(contentsOf: packageRoot.appendingPathComponent("policies/docker-local.toml"), encoding: .utf8)
        for (shipped, local) in [
            (#"host = "localhost""#, #"host = "\#(url.host ?? "127.0.0.1")""#), ("port = 5432", "port = \(url.port ?? 5432)"),
            (#"dbname = "tekup_db""#, #"dbname = "\#(database)""#),
            ("/var/backups/arkiv/", base + "/var/backups/arkiv/"), ("/etc/arkiv/recipients.txt", recipients),
            ("/etc/arkiv/identity", identity), ("/var/lib/prometheus/", base + "/var/lib/prometheus/"), ("/var/lib/arkiv", base + "/var/lib/arkiv"),
        ] {
            #expect(text.contains(shipped), "the shipped policy no longer says \(shipped)")
            text = text.replacingOccurrences(of: shipped, with: local)
        }
        let path = base + "/etc/arkiv/docker-local.toml"
        try FileManager.default.createDirectory(atPath: base + "/etc/arkiv", withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func libpqEnvironment(_ database: String) throws -> [String: String] {
        let url = try #require(URLComponents(string: try server.url(database: database)))
        var environment = ["PGUSER": url.user ?? "postgres", "ARKIV_DRILL_SERVER": try server.url()]
        if let password = url.password { environment["PGPASSWORD"] = password }
        return environment
    }

    @Test("the shipped policy on a fresh machine: list says the first backup creates the repository; the nightly pipeline backs up, verifies, prunes and drills into metrics folders that did not exist; backup and drill each write their own metrics; the next drill is not due and says when it is")
    func shippedPolicyPipeline() throws {
        try withScratchDatabase(on: Self.server, template: "workspace") { source in
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-ops-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: base) }
            // Step 2: the folder the repositories live in; the repository itself is the first backup's.
            try FileManager.default.createDirectory(atPath: base + "/var/backups/arkiv", withIntermediateDirectories: true)
            let identity = base + "/identity", recipients = base + "/recipients.txt"
            try runExecutable("arkiv", ["keygen", "--output", identity]).stdout.write(toFile: recipients, atomically: true, encoding: .utf8)
            let policy = try Self.shippedPolicy(base: base, database: source.databaseName, recipients: recipients, identity: identity)
            var environment = try Self.libpqEnvironment(source.databaseName)
            environment["ARKIV_BIN"] = try executableURL("arkiv-backup").deletingLastPathComponent().path
            let repo = base + "/var/backups/arkiv/docker-local"

            // Step 3: check the policy before the first night.
            let list = try runExecutable("arkiv", ["list", "--policy", policy], environment: environment)
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.contains("no repository at \(repo) yet: the first backup creates it"), "\(list.stdout)")
            #expect(!FileManager.default.fileExists(atPath: repo), "list creates nothing")

            // Step 4, with the drill (the first is always due).
            let night = try runProgram(packageRoot.appendingPathComponent("scripts/cron/arkiv-nightly").path, ["--policy", policy],
                                       environment: environment)
            #expect(night.status == 0, "\(night.stdout)\(night.stderr)")
            #expect(night.stdout.components(separatedBy: "\"status\":\"ok\"").count == 6, "four steps and the run: \(night.stdout)")

            let backupMetrics = try String(contentsOfFile: base + "/var/lib/prometheus/node-exporter/arkiv-backup.prom", encoding: .utf8)
            let label = "{repository=\"\(repo)\"}"
            #expect(backupMetrics.contains("arkiv_backup_last_attempt_success\(label) 1"), "\(backupMetrics)")
            let backupTime = backupMetrics.split(separator: "\n").first { $0.hasPrefix("arkiv_last_backup_timestamp_seconds{") }
                .flatMap { Double($0.split(separator: " ")[1]) }
            #expect(backupTime.map { abs($0 - Date().timeIntervalSince1970) < 600 } == true, "\(backupMetrics)")
            let drillMetrics = try String(contentsOfFile: base + "/var/lib/prometheus/node-exporter/arkiv-drill.prom", encoding: .utf8)
            #expect(drillMetrics.contains("arkiv_last_drill_success\(label) 1"), "\(drillMetrics)")
            #expect(!drillMetrics.contains("arkiv_last_backup_"), "one name, one writer: \(drillMetrics)")

            let notDue = try runExecutable("arkiv-drill", ["--policy", policy, "--if-due"], environment: environment)
            #expect(notDue.status == 0, "\(notDue.stderr)")
            #expect(notDue.stdout.contains("no drill due: the last one ran at ") && notDue.stdout.contains("; the next is due at "), "\(notDue.stdout)")
            let listed = try runExecutable("arkiv", ["list", "--policy", policy], environment: environment)
            #expect(listed.status == 0 && listed.stdout.contains("complete") && listed.stdout.contains("nightly"), "\(listed.stdout)")

            // A failed backup keeps the last success's time: the 26-hour alert stays true.
            var broken = environment
            broken["PGUSER"] = "arkiv_no_such_role"
            let failed = try runExecutable("arkiv-backup", ["--policy", policy], environment: broken)
            #expect(failed.status == 1)
            let after = try String(contentsOfFile: base + "/var/lib/prometheus/node-exporter/arkiv-backup.prom", encoding: .utf8)
            #expect(after.contains("arkiv_backup_last_attempt_success\(label) 0"), "\(after)")
            #expect(after.contains(backupMetrics.split(separator: "\n").first { $0.hasPrefix("arkiv_last_backup_timestamp_seconds{") } ?? "?"), "\(after)")
        }
    }

    /// As root, a read-only folder is writable; the drill runs without CAP_DAC_OVERRIDE (setpriv
    /// drops it from the bounding set), so the 0555 repository refuses it as it refuses a drill
    /// user with read access only.
    @Test("a drill on a repository it may only read passes (exit 0), warns once, keeps its report and metrics on the host; --if-due and list --drills read them; a metrics file that cannot be written is a warning, not a failed drill")
    func readOnlyDrillHost() throws {
        try withScratchDatabase(on: Self.server, template: "workspace") { source in
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-ro-drill-\(UUID().uuidString)").path
            let repo = base + "/repo", state = base + "/state", identity = base + "/identity", policy = base + "/drill.toml"
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            defer {
                _ = try? runProgram("/bin/chmod", ["-R", "u+w", repo])
                try? FileManager.default.removeItem(atPath: base)
            }
            let recipient = try runExecutable("arkiv", ["keygen", "--output", identity]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            var environment = try Self.libpqEnvironment(source.databaseName)
            environment["SOURCE_URL"] = try Self.server.url(database: source.databaseName)
            environment["ARKIV_STATE_DIR"] = state
            let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--recipient", recipient,
                                                            "--schema", "crm", "--schema", "flow"], environment: environment)
            try #require(backup.status == 0, "\(backup.stderr)")
            try """
                [repository]
                path = "\(repo)"

                [drill]
                target-env = "ARKIV_DRILL_SERVER"
                schedule = "monthly:1"

                [restore]
                identity = "\(identity)"
                """.write(toFile: policy, atomically: true, encoding: .utf8)
            try #require(try runProgram("/bin/chmod", ["-R", "a-w", repo]).status == 0)
            let unprivileged = { (arguments: [String]) in
                try runProgram("/usr/bin/setpriv", ["--bounding-set=-dac_override,-dac_read_search,-fowner", try executableURL("arkiv-drill").path]
                               + arguments, environment: environment)
            }
            let probe = try runProgram("/usr/bin/setpriv", ["--bounding-set=-dac_override,-dac_read_search,-fowner", "/bin/mkdir", repo + "/probe"])
            try #require(probe.status != 0, "the setup failed: the drill could still write the repository")

            let metrics = base + "/node-exporter/not-made-yet/arkiv-drill.prom"
            let drill = try unprivileged(["--policy", policy, "--metrics-file", metrics])
            #expect(drill.status == 0, "\(drill.stdout)\(drill.stderr)")
            #expect(drill.stdout.contains("PASSED"))
            #expect(drill.stderr.components(separatedBy: "the drill report is kept in \(state)/drills/").count == 2, "warned once: \(drill.stderr)")
            #expect(drill.stderr.contains("ermission denied"), "says why: \(drill.stderr)")
            #expect(!drill.stderr.contains("NSCocoaErrorDomain") && !drill.stderr.contains("Code="), "\(drill.stderr)")
            #expect(try String(contentsOfFile: metrics, encoding: .utf8).contains("arkiv_last_drill_success{repository=\"\(repo)\"} 1"))
            #expect(!FileManager.default.fileExists(atPath: repo + "/drills"))

            let due = try unprivileged(["--policy", policy, "--if-due"])
            #expect(due.status == 0 && due.stdout.contains("no drill due"), "the kept report counts: \(due.stdout)\(due.stderr)")
            let history = try runExecutable("arkiv", ["list", "--repo", repo, "--drills"], environment: environment)
            #expect(history.stdout.contains("passed"), "\(history.stdout)")

            // A metrics path that cannot be made: the drill still passes, and says which path and why.
            let blocked = base + "/identity/arkiv-drill.prom"
            let again = try unprivileged(["--policy", policy, "--metrics-file", blocked])
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            #expect(again.stderr.contains("could not write the metrics file \(blocked)"), "\(again.stderr)")
        }
    }
}
