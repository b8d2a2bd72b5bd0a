import ArkivArchive
@testable import ArkivEngine
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("policy files")
struct PolicyTests {
    static let root = packageRoot

    private func refused(_ text: String, file: String = "policies/x.toml") -> PolicyError? {
        do {
            _ = try Policy.parse(text: text, fileName: file)
            return nil
        } catch {
            return error
        }
    }

    @Test("every shipped policy in policies/ parses")
    func shippedPolicies() throws {
        let folder = Self.root.appendingPathComponent("policies")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(Set(files).isSuperset(of: ["docker-local.toml", "pre-cutover.toml", "supabase.toml"]))
        for file in files {
            _ = try Policy.load(path: folder.appendingPathComponent(file).path)
        }
        for file in ["docker-local.toml", "pre-cutover.toml", "supabase.toml"] {
            let policy = try Policy.load(path: folder.appendingPathComponent(file).path)
            #expect(policy.source.schemas == ["vault", "billy", "renos", "crm", "flow", "shared"], "\(file)")
            #expect(policy.repository?.hasPrefix("/var/backups/arkiv/") == true, "\(file)")
            #expect(policy.archive.recipientFiles == ["/etc/arkiv/recipients.txt"], "\(file)")
        }
        let docker = try Policy.load(path: folder.appendingPathComponent("docker-local.toml").path)
        #expect(docker.source.connection == .parameters(ConnectionParameters(host: "localhost", port: 5432, dbname: "tekup_db")))
        #expect(docker.retention == RetentionPolicy(keepDaily: 7, keepWeekly: 4, keepMonthly: 12))
        #expect(docker.drill.schedule == .weekly(weekday: 1))
        #expect(docker.drill.target == .environment(variable: "ARKIV_DRILL_SERVER"))
        #expect(docker.archive.codec == "zstd" && docker.archive.level == 3)
        let supabase = try Policy.load(path: folder.appendingPathComponent("supabase.toml").path)
        #expect(supabase.source.connection == .environment(variable: "ARKIV_SUPABASE_URL"))
        let cutover = try Policy.load(path: folder.appendingPathComponent("pre-cutover.toml").path)
        #expect(cutover.archive.pin == true && cutover.archive.label == "pre-cutover")
        #expect(cutover.retention == nil)
    }

    @Test("a full policy parses to the values written, relative paths from the file's folder")
    func fullPolicy() throws {
        let recipient = try Identity.generate().recipient.description
        let text = """
            # nightly
            [source]
            service = "workspace"
            schemas = ["vault", "crm"]
            exclude-schemas = ["scratch"]
            exclude-table-data = ["flow.cache"]

            [repository]
            path = "repo"

            [archive]
            codec = "gzip"
            level = 9
            recipients = ["\(recipient)", "keys/recipients.txt"]
            jobs = 4
            label = "nightly"
            pin = false

            [retention]
            keep-last = 3
            keep-hourly = 24
            keep-daily = 7
            keep-weekly = 4
            keep-monthly = 12
            keep-yearly = 2
            keep-within = "1d12h"
            incomplete-grace = "6h"

            [drill]
            target-service = "drill"
            schedule = "monthly:1"
            keep = true

            [metrics]
            file = "/var/lib/arkiv.prom"

            [restore]
            jobs = 3
            identity = ["/etc/arkiv/identity", "~/second"]
            maintenance-work-mem = "512MB"
            """
        let policy = try Policy.parse(text: text, fileName: "/etc/arkiv/nightly.toml")
        #expect(policy.source.connection == .service("workspace"))
        #expect(policy.source.schemas == ["vault", "crm"])
        #expect(policy.source.excludeSchemas == ["scratch"])
        #expect(policy.source.excludeTableData == ["flow.cache"])
        #expect(policy.repository == "/etc/arkiv/repo")
        #expect(policy.archive.codec == "gzip" && policy.archive.level == 9 && policy.archive.jobs == 4)
        #expect(policy.archive.recipients == [recipient])
        #expect(policy.archive.recipientFiles == ["/etc/arkiv/keys/recipients.txt"])
        #expect(policy.archive.label == "nightly" && policy.archive.pin == false)
        #expect(policy.retention == RetentionPolicy(
            keepLast: 3, keepHourly: 24, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 2,
            keepWithin: 129_600, incompleteGrace: 21_600))
        #expect(policy.drill == {
            var drill = DrillPolicy()
            drill.target = .service("drill")
            drill.schedule = .monthly(day: 1)
            drill.keep = true
            return drill
        }())
        #expect(policy.metricsFile == "/var/lib/arkiv.prom")
        #expect(policy.restore.jobs == 3)
        #expect(policy.restore.maintenanceWorkMemory == "512MB")
        #expect(policy.restore.identities == ["/etc/arkiv/identity", NSHomeDirectory() + "/second"])
    }

    @Test("a maintenance-work-mem that is not a size is refused with its line")
    func maintenanceWorkMemory() throws {
        let error = try #require(refused("[restore]\njobs = 2\nmaintenance-work-mem = \"lots\"\n"))
        #expect(error.description.hasPrefix("policies/x.toml:3: key 'restore.maintenance-work-mem': a size such as"), "\(error)")
    }

    @Test("an empty policy is valid and sets nothing; an incomplete-grace alone keeps nothing")
    func emptyAndDefaults() throws {
        let empty = try Policy.parse(text: "# nothing yet\n", fileName: "p.toml")
        #expect(empty.repository == nil && empty.retention == nil && empty.source.connection == nil)
        #expect(RetentionPolicy().incompleteGrace == 86_400)
        let error = try #require(refused("[retention]\nincomplete-grace = \"2d\"\n"))
        #expect(error.description == "policies/x.toml:1: key 'retention': keeps nothing: set at least one of keep-last, keep-hourly, keep-daily, keep-weekly, keep-monthly, keep-yearly, keep-within")
    }

    @Test("a wrong type names file, line and key")
    func wrongType() throws {
        let text = """
            [repository]
            path = "/r"

            [retention]
            keep-weekly = 4
            keep-daily = "7"
            """
        let error = try #require(refused(text))
        #expect(error.description == "policies/x.toml:6: key 'retention.keep-daily': expected an integer, found a string")
    }

    @Test("an unknown key is refused with its line and a 'did you mean'")
    func unknownKey() throws {
        let text = """
            [drill]
            target-env = "X"
            schedul = "daily"

            [retention]
            keep-dayly = 7
            keep-weekly = 2

            [archive]
            exclude-tables = ["a.b"]

            schemas = ["vault"]
            """
        let error = try #require(refused(text))
        let lines = error.description.split(separator: "\n").map(String.init)
        #expect(lines.contains("policies/x.toml:3: key 'drill.schedul': unknown key in [drill]; did you mean 'schedule'?"))
        #expect(lines.contains("policies/x.toml:6: key 'retention.keep-dayly': unknown key in [retention]; did you mean 'keep-daily'?"))
        #expect(lines.contains { $0.hasPrefix("policies/x.toml:10: key 'archive.exclude-tables': unknown key in [archive]") })
        #expect(lines.contains("policies/x.toml:12: key 'archive.schemas': unknown key in [archive]; 'schemas' belongs in [source]"))
        let topLevel = try #require(refused("schemas = [\"vault\"]\n[source]\nhost = \"h\"\n"))
        #expect(topLevel.description == "policies/x.toml:1: key 'schemas': unknown key; 'schemas' belongs in [source]")
        let tables = try #require(refused("[source]\nexclude-tables = [\"flow.cache\"]\n"))
        #expect(tables.description.contains("use 'exclude-table-data'"))
    }

    @Test("values out of range, bad durations, schedules, labels and recipients are refused with their lines")
    func outOfRange() throws {
        let text = """
            [source]
            port = 70000
            url-env = "postgresql://h/db"
            [archive]
            codec = "lz4"
            jobs = 0
            label = "Not OK!"
            recipients = ["arkiv1pub-AAAA"]
            [retention]
            keep-daily = 0
            keep-within = "1 month"
            [drill]
            schedule = "weekly:someday"
            """
        let error = try #require(refused(text))
        let byLine = Dictionary(grouping: error.issues) { $0.line ?? 0 }
        #expect(byLine[2]?.first?.message == "70000 is out of range: expected 1–65535")
        #expect(byLine[3]?.first?.message.contains("not a URL") == true)
        #expect(byLine[5]?.first?.message == "'lz4' is not one of zstd, gzip, none")
        #expect(byLine[6]?.first?.key == "archive.jobs")
        #expect(byLine[7]?.first?.key == "archive.label")
        #expect(byLine[8]?.first?.key == "archive.recipients")
        #expect(byLine[10]?.first?.message.contains("leave the key out") == true)
        #expect(byLine[11]?.first?.message.contains("is not a duration") == true)
        #expect(byLine[13]?.first?.message.contains("weekly:<mon…sun>") == true)
        let gzip = try #require(refused("[archive]\ncodec = \"gzip\"\nlevel = 12\n"))
        #expect(gzip.description == "policies/x.toml:3: key 'archive.level': gzip levels are 1–9, found 12")
        let two = try #require(refused("[source]\nservice = \"a\"\nhost = \"h\"\n"))
        #expect(two.issues.first?.key == "source" && two.issues.first?.line == 1)
    }

    @Test("a password in a URL is refused; the line is named and the password never echoed",
          arguments: [
            "[source]\nhost = \"h\"\n[drill]\ntarget-service = \"postgresql://drill:Hunter2Secret@db:5432/postgres\"\n",
            "[source]\nhost = \"h\"\n[drill]\ntarget-service = \"host=db password=Hunter2Secret\"\n",
            "[source]\nhost = \"h\"\n# old: postgresql://u:Hunter2Secret@db/x\n[repository]\npath = \"/r\"\n",
            "[source]\nhost = \"h\"\n[unknown]\nurl = \"postgresql://u:Hunter2Secret@db/x\"\n",
            "[source]\nhost = \"h\"\n[drill]\ntarget-env = \"\"\"\npostgresql://u:Hunter2Secret@db/x\"\"\"\n",
            // Not valid TOML as well: the secret is still found first and never quoted.
            "[source]\nhost = \"h\"\n[drill]\ntarget-env = postgresql://u:Hunter2Secret@db/x\n",
          ])
    func passwordInURL(text: String) throws {
        let error = try #require(refused(text))
        #expect(!error.description.contains("Hunter2Secret"))
        let secretLine = try #require(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("Hunter2Secret") }) + 1
        #expect(error.description.hasPrefix("policies/x.toml:\(secretLine): "))
        #expect(error.description.contains("a policy file holds no passwords"))
    }

    @Test("a key named like a secret is refused wherever it is, without its value",
          arguments: ["[source]\nhost = \"h\"\npassword = \"Hunter2Secret\"\n",
                      "[source]\nhost = \"h\"\nPGPASSWORD = \"Hunter2Secret\"\n",
                      "[archive]\njobs = 2\n\n[archive.keys]\n\"db-passphrase\" = \"Hunter2Secret\"\n",
                      "[source]\nhost = \"h\"\nuser = { name = \"u\", secret = \"Hunter2Secret\" }\n",
                      "client_secret = \"Hunter2Secret\"\n[source]\nhost = \"h\"\n"])
    func secretKey(text: String) throws {
        let error = try #require(refused(text))
        #expect(!error.description.contains("Hunter2Secret"))
        let issue = try #require(error.issues.first)
        #expect(issue.message.hasPrefix("a key named like a secret"))
        let line = try #require(issue.line)
        let written = text.split(separator: "\n", omittingEmptySubsequences: false)[line - 1]
        #expect(written.contains("Hunter2Secret"), "the issue names the secret's line")
        #expect(issue.key.map { PolicySecrets.isSecretName($0) } == true)
    }

    @Test("URLs without passwords and conninfo without password= are fine")
    func notSecrets() throws {
        #expect(!PolicySecrets.urlHasPassword("postgresql://postgres@db.x.supabase.co:5432/postgres?sslmode=verify-full"))
        #expect(!PolicySecrets.urlHasPassword("postgresql://[::1]:5432/db"))
        #expect(PolicySecrets.urlHasPassword("postgres://u:p%40ss@h/db"))
        #expect(PolicySecrets.conninfoHasPassword("host=h PASSWORD = x"))
        #expect(!PolicySecrets.conninfoHasPassword("host=h user=password_reader"))
    }

    @Test("syntax errors name the line; odd input never crashes and throws PolicyError only",
          arguments: ["[source\nhost = 1\n", "a = \"unterminated\n", "\u{0}", "[[[[[", "x = [[[[[[[[[[[[1]]]]]]]]]]]]\n",
                      "a = {b = {c = {d = {e = {f = {g = {h = {i = {}}}}}}}}}\n",
                      "[source]\nhost = \"\\u0000\"\n", "\r\n[retention]\r\nkeep-daily = \"x\"\r\n",
                      "a = '''\n''''\n", "a = \"\"\"\\\n\"\"\"\n", "= 1\n", "[\"\"]\n\"\" = 1\n", "[a]\n[a]\n",
                      // Inputs toml++ 3.x asserts against instead of reporting: stopped before it.
                      "[=]\n", "[[ [a]]\n", "[\n]", "[\u{301}a]\n", "\u{FEFF}[#]\n", "x = [}\n", "x = [1, # c\n }\n",
                      "x = [\u{2028}]\n", "x = [ \u{A0}}\n"])
    func oddInput(text: String) throws {
        let error = try #require(refused(text))
        #expect(!error.issues.isEmpty)
        #expect(error.description.hasPrefix("policies/x.toml:"))
    }

    @Test("deep keys, long lines and large files are refused before parsing")
    func limits() throws {
        let deep = try #require(refused(String(repeating: "a.", count: 5000) + "b = 1\n"))
        #expect(deep.issues.first?.line == 1)
        let long = try #require(refused("[source]\nhost = \"" + String(repeating: "x", count: 5000) + "\"\n"))
        #expect(long.description == "policies/x.toml:2: line longer than 4096 bytes")
        let large = try #require(refused(String(repeating: "# filler\n", count: 40_000)))
        #expect(large.issues.first?.line == nil)
    }

    @Test("a syntax error gives its line")
    func syntaxLine() throws {
        let error = try #require(refused("[source]\nhost = \"h\"\nport = = 5\n"))
        #expect(error.issues.first?.line == 3)
        #expect(error.issues.first?.message.hasPrefix("not valid TOML") == true)
        let crlf = try #require(refused("[retention]\r\n\r\nkeep-daily = \"7\"\r\n"))
        #expect(crlf.description == "policies/x.toml:3: key 'retention.keep-daily': expected an integer, found a string")
    }

    @Test("bytes that are not UTF-8 are refused with the line")
    func notUTF8() throws {
        let bytes = Array("[source]\nhost = \"".utf8) + [0xFF, 0xFE] + Array("\"\n".utf8)
        #expect(throws: PolicyError(file: "p.toml", line: 2, key: nil, "not UTF-8 text: save the file as UTF-8")) {
            try Policy.parse(bytes: bytes, fileName: "p.toml")
        }
    }

    @Test("durations")
    func durations() {
        #expect(DurationText.parse("30d") == 2_592_000)
        #expect(DurationText.parse("2w") == 1_209_600)
        #expect(DurationText.parse("12h") == 43_200)
        #expect(DurationText.parse("1d12h30m") == 131_400)
        for bad in ["", "d", "12", "1y", "-1d", "1.5d", "99999999999d", "1d ", "1D"] {
            #expect(DurationText.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("drill schedules say when a drill is due")
    func schedules() throws {
        func date(_ text: String) throws -> Date { try #require(ISO8601DateFormatter().date(from: text)) }
        // 2026-11-25 is a Wednesday.
        let now = try date("2026-11-25T10:00:00Z")
        let weekly = try #require(DrillSchedule("weekly:sun"))
        #expect(DrillSchedule("Weekly:Sunday") == weekly)
        #expect(weekly.isDue(now: now, lastDrill: nil))
        #expect(!weekly.isDue(now: now, lastDrill: try date("2026-11-22T03:00:00Z")), "ran this Sunday")
        #expect(weekly.isDue(now: now, lastDrill: try date("2026-11-21T23:59:00Z")), "last ran before Sunday")
        #expect(weekly.isDue(now: try date("2026-11-22T00:00:00Z"), lastDrill: try date("2026-11-15T04:00:00Z")))
        let daily = try #require(DrillSchedule("daily"))
        #expect(!daily.isDue(now: now, lastDrill: try date("2026-11-25T00:30:00Z")))
        #expect(daily.isDue(now: now, lastDrill: try date("2026-11-24T23:30:00Z")))
        let monthly = try #require(DrillSchedule("monthly:28"))
        #expect(!monthly.isDue(now: now, lastDrill: try date("2026-10-28T01:00:00Z")), "the 28th of November is still ahead")
        #expect(monthly.isDue(now: now, lastDrill: try date("2026-10-27T01:00:00Z")))
        let every = try #require(DrillSchedule("every:3d"))
        #expect(!every.isDue(now: now, lastDrill: try date("2026-11-23T10:00:00Z")))
        #expect(every.isDue(now: now, lastDrill: try date("2026-11-22T10:00:00Z")))
        for bad in ["weekly", "weekly:", "weekly:sundays", "monthly:29", "every:30s", "hourly", "daily:mon"] {
            #expect(DrillSchedule(bad) == nil, "\(bad)")
        }
        // When the next one is due, for "no drill due": the next scheduled moment after the last.
        #expect(weekly.nextDue(after: try date("2026-11-22T03:00:00Z")) == (try date("2026-11-29T00:00:00Z")))
        #expect(daily.nextDue(after: try date("2026-11-25T00:30:00Z")) == (try date("2026-11-26T00:00:00Z")))
        #expect(monthly.nextDue(after: try date("2026-10-28T01:00:00Z")) == (try date("2026-11-28T00:00:00Z")))
        #expect(every.nextDue(after: try date("2026-11-23T10:00:00Z")) == (try date("2026-11-26T10:00:00Z")))
    }

    @Test("[offsite] names a bucket as written, a directory relative to the policy; no repository is an error at its line")
    func offsite() throws {
        let bucket = try Policy.parse(text: "[offsite]\nrepository = \"s3://arkiv-backups/docker\"\ns3-endpoint = \"https://s3.example.com\"\ns3-path-style = true\n",
                                      fileName: "/etc/arkiv/p.toml")
        #expect(bucket.offsite?.repository == "s3://arkiv-backups/docker" && bucket.offsite?.s3Endpoint == "https://s3.example.com"
                && bucket.offsite?.s3PathStyle == true)
        #expect(try Policy.parse(text: "[offsite]\nrepository = \"copies\"\n", fileName: "/etc/arkiv/p.toml").offsite?.repository == "/etc/arkiv/copies")
        let error = #expect(throws: PolicyError.self) { try Policy.parse(text: "[offsite]\ns3-path-style = true\n", fileName: "p.toml") }
        #expect("\(error.map { "\($0)" } ?? "")".contains("offsite.repository"))
    }

    @Test("[repository] path takes a bucket as written, with its s3-endpoint and s3-path-style; a directory stays relative to the policy")
    func repositoryInBucket() throws {
        let bucket = try Policy.parse(text: "[repository]\npath = \"s3://arkiv-backups/docker\"\ns3-endpoint = \"https://fsn1.your-objectstorage.com\"\ns3-path-style = true\n",
                                      fileName: "/etc/arkiv/p.toml")
        #expect(bucket.repository == "s3://arkiv-backups/docker")
        #expect(bucket.repositoryS3 == S3Access(endpoint: "https://fsn1.your-objectstorage.com", pathStyle: true))
        let local = try Policy.parse(text: "[repository]\npath = \"sets\"\n", fileName: "/etc/arkiv/p.toml")
        #expect(local.repository == "/etc/arkiv/sets" && local.repositoryS3 == S3Access())
        let error = #expect(throws: PolicyError.self) { try Policy.parse(text: "[repository]\ns3-path-style = \"yes\"\n", fileName: "p.toml") }
        #expect("\(error.map { "\($0)" } ?? "")".contains("repository.s3-path-style"))
    }

    @Test("[metrics] backup-file and drill-file (file is drill-file's older name), never the same file; [drill] state-dir")
    func metricsFiles() throws {
        let policy = try Policy.parse(text: """
            [drill]
            state-dir = "state"

            [metrics]
            backup-file = "/var/lib/prom/arkiv-backup.prom"
            drill-file = "/var/lib/prom/arkiv-drill.prom"
            """, fileName: "/etc/arkiv/p.toml")
        #expect(policy.backupMetricsFile == "/var/lib/prom/arkiv-backup.prom")
        #expect(policy.metricsFile == "/var/lib/prom/arkiv-drill.prom")
        #expect(policy.drill.stateDirectory == "/etc/arkiv/state")
        for (text, key) in [
            ("[metrics]\nfile = \"/a.prom\"\ndrill-file = \"/b.prom\"", "metrics.file"),
            ("[metrics]\nbackup-file = \"/a.prom\"\ndrill-file = \"/a.prom\"", "metrics.backup-file"),
        ] {
            let error = #expect(throws: PolicyError.self) { try Policy.parse(text: text, fileName: "p.toml") }
            #expect("\(error.map { "\($0)" } ?? "")".contains(key), "\(text)")
        }
    }

    @Test("an unset environment variable named by the policy is reported at its line")
    func unsetEnvironment() throws {
        let policy = try Policy.parse(text: "[repository]\npath = \"/r\"\n[source]\nurl-env = \"ARKIV_TEST_UNSET_VARIABLE\"\n", fileName: "p.toml")
        let connection = try #require(policy.source.connection)
        #expect(throws: PolicyError(file: "p.toml", line: 4, key: "source.url-env",
                                    "environment variable ARKIV_TEST_UNSET_VARIABLE is not set or empty: export the connection URL in it")) {
            _ = try connection.target(in: policy, key: "source.url-env", environment: [:])
        }
        let parameters = ConnectionPolicy.parameters(ConnectionParameters(host: "h", port: 5433, dbname: "it's", user: "u"))
        let target = try parameters.target(in: policy, key: "source")
        #expect(target.description == "u@h:5433/it's")
    }
}
