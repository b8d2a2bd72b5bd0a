import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("scripts/cron/arkiv-nightly")
struct NightlyScriptTests {
    private var script: String {
        packageRoot.appendingPathComponent("scripts/cron/arkiv-nightly").path
    }

    /// Stand-ins for the executables that leave a mark in the repository when run, so "nothing
    /// ran" is provable, and "everything ran" too.
    private func fakeExecutables(marking repo: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-fake-bin-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        for name in ["arkiv", "arkiv-backup", "arkiv-verify", "arkiv-prune", "arkiv-drill"] {
            let path = folder + "/" + name
            try Data("#!/bin/sh\necho \"$0 $*\" >> '\(repo)/ran-\(name)'\n".utf8).write(to: URL(fileURLWithPath: path))
            chmod(path, 0o755)
        }
        return folder
    }

    private func policyFile(repo: String) throws -> String {
        let path = repo + "-policy.toml"
        try Data("[source]\nurl-env = \"ARKIV_SOURCE\"\n\n[repository]\npath = \"\(repo)\"  # the nightly sets\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        return path
    }

    private func nightly(_ arguments: [String], bin: String) throws -> ProcessOutcome {
        try runProgram(script, arguments, environment: ["ARKIV_BIN": bin])
    }

    private func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test("the real executables under one policy: backup, quick verify, prune and a due drill, each a JSON line; the drill is then not due",
          arguments: [TestServer.pg16])
    func realPipeline(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-nightly-\(UUID().uuidString)").path
            let repo = base + "-repo", identity = base + "-identity", recipients = base + "-recipients.txt", policy = base + ".toml"
            let offsite = "s3://\(try OffsiteCopyTests.variable("BUCKET"))/nightly-\(UUID().uuidString.prefix(8).lowercased())"
            let recipient = try runExecutable("arkiv", ["keygen", "-o", identity]).stdout
            try recipient.write(toFile: recipients, atomically: true, encoding: .utf8)
            try """
                [source]
                url-env = "NIGHTLY_SOURCE"
                schemas = ["crm", "flow"]

                [repository]
                path = "\(repo)"

                [archive]
                recipients = ["\(recipients)"]

                [retention]
                keep-last = 3

                [offsite]
                repository = "\(offsite)"

                [drill]
                target-env = "NIGHTLY_DRILL"
                schedule = "weekly:sunday"

                [restore]
                identity = "\(identity)"
                """.write(toFile: policy, atomically: true, encoding: .utf8)
            let bin = try executableURL("arkiv-backup").deletingLastPathComponent().path
            let environment = ["ARKIV_BIN": bin, "NIGHTLY_SOURCE": try server.url(database: source.databaseName),
                               "NIGHTLY_DRILL": try server.url()].merging(try OffsiteCopyTests.awsEnvironment()) { $1 }
            let first = try runProgram(script, ["--policy", policy], environment: environment)
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            let steps = try jsonLines(first.stdout)
            #expect(steps.compactMap { $0["step"] as? String }.prefix(5) == ["backup", "verify", "copy", "prune", "drill"], "\(first.stdout)")
            #expect(steps.prefix(5).allSatisfy { $0["status"] as? String == "ok" }, "\(first.stdout)")
            // The copy step put the night's set in the bucket, complete.
            guard case .s3(let bucket, let prefix) = try RepositoryLocation(offsite) else { throw TestSetupError("not s3") }
            let storage = S3Storage(bucket: bucket, prefix: prefix, configuration: try S3Configuration.resolve(environment: environment))
            #expect(try SetCopier(source: storage, destination: storage).completeSets() == (try LocalRepository(path: repo).sets().map(\.id)))
            #expect(try LocalRepository(path: repo).sets().count == 1)
            let drills = try FileManager.default.contentsOfDirectory(atPath: repo + "/drills")
            #expect(drills.count == 1, "the first night drills: none ran before")

            // The next night: a second set, and the weekly drill is not due again.
            let second = try runProgram(script, ["--policy", policy], environment: environment)
            #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
            #expect(try LocalRepository(path: repo).sets().count == 2)
            #expect(try FileManager.default.contentsOfDirectory(atPath: repo + "/drills").count == 1)
        }
    }

    @Test("a policy whose repository is a bucket: backup, quick verify, prune and drill run against it; the run's own lock is a file in the state folder",
          arguments: [TestServer.pg16])
    func bucketRepository(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-nightly-bucket-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: base) }
            let repo = "s3://\(try OffsiteCopyTests.variable("BUCKET"))/nightly-primary-\(UUID().uuidString.prefix(8).lowercased())"
            let policy = base + "/nightly.toml", identity = base + "/identity", recipients = base + "/recipients.txt"
            try runExecutable("arkiv", ["keygen", "-o", identity]).stdout.write(toFile: recipients, atomically: true, encoding: .utf8)
            try """
                [source]
                url-env = "NIGHTLY_SOURCE"
                schemas = ["crm"]

                [repository]
                path = "\(repo)"

                [archive]
                recipients = ["\(recipients)"]

                [restore]
                identity = "\(identity)"

                [retention]
                keep-last = 1

                [drill]
                target-env = "NIGHTLY_DRILL"
                schedule = "weekly:sunday"
                """.write(toFile: policy, atomically: true, encoding: .utf8)
            let bin = try executableURL("arkiv-backup").deletingLastPathComponent().path
            let environment = ["ARKIV_BIN": bin, "ARKIV_STATE_DIR": base + "/state", "NIGHTLY_SOURCE": try server.url(database: source.databaseName),
                               "NIGHTLY_DRILL": try server.url()].merging(try OffsiteCopyTests.awsEnvironment()) { $1 }
            for night in 1...2 {
                let run = try runProgram(script, ["--policy", policy], environment: environment)
                #expect(run.status == 0, "night \(night): \(run.stdout)\(run.stderr)")
                let steps = try jsonLines(run.stdout)
                let ran = steps.filter { $0["status"] as? String == "ok" }.compactMap { $0["step"] as? String }
                #expect(ran.starts(with: ["backup", "verify", "prune"]) && (night == 2 || ran.contains("drill")), "night \(night): \(run.stdout)")
            }
            let list = try runExecutable("arkiv", ["list", "--policy", policy, "--json"], environment: environment)
            let sets = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(sets.count == 1 && sets.first?["lastVerify"] != nil, "prune kept one set, its verification recorded: \(list.stdout)\(list.stderr)")
            let locks = try FileManager.default.contentsOfDirectory(atPath: base + "/state").filter { $0.hasPrefix("nightly-") }
            #expect(locks.count == 1, "\(locks)")
        }
    }

    @Test("a second run while the first holds the repository exits 4 and touches nothing; a free run does every step")
    func overlappingRuns() throws {
        let synthetic = try SyntheticRepository()
        try synthetic.addSet(at: Date().addingTimeInterval(-86400))
        let repo = synthetic.path
        let bin = try fakeExecutables(marking: repo)
        let policy = try policyFile(repo: repo)

        // The first run, mid-pipeline: it holds the flock on the repository directory.
        let first = Process()
        first.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        first.arguments = ["python3", "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); "
                           + "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(120)", repo]
        let ready = Pipe()
        first.standardOutput = ready
        try first.run()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        #expect(String(decoding: ready.fileHandleForReading.availableData, as: UTF8.self).hasPrefix("locked"))

        let before = synthetic.snapshot()
        let second = try nightly(["--policy", policy], bin: bin)
        #expect(second.status == 4, "\(second.stdout)\(second.stderr)")
        let logged = try jsonLines(second.stdout)
        #expect(logged.count == 1)
        #expect(logged.first?["status"] as? String == "locked")
        #expect(logged.first?["exit"] as? Int == 4)
        #expect(second.stderr.contains("another arkiv-nightly run holds"))
        #expect(synthetic.snapshot() == before, "the second run changed nothing")

        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()

        // A backup started by hand holds the repository lock: the nightly run does not start either.
        let manual = try synthetic.repository.lock(command: "arkiv-backup")
        let beside = try nightly(["--policy", policy], bin: bin)
        #expect(beside.status == 4, "\(beside.stdout)\(beside.stderr)")
        #expect(beside.stderr.contains("arkiv-backup"))
        #expect(synthetic.snapshot() == before)
        manual.release()

        // Free: every step runs, in order, each logged with its exit code and duration.
        let free = try nightly(["--policy", policy], bin: bin)
        #expect(free.status == 0, "\(free.stdout)\(free.stderr)")
        let steps = try jsonLines(free.stdout)
        #expect(steps.map { $0["step"] as? String } == ["backup", "verify", "copy", "prune", "drill", "nightly"])
        // No [offsite] in this policy: the copy step has nothing to do.
        #expect(steps.allSatisfy { ($0["status"] as? String == "ok" || $0["step"] as? String == "copy" && $0["status"] as? String == "skipped")
                    && $0["exit"] as? Int == 0 && $0["seconds"] is NSNumber })
        #expect(!FileManager.default.fileExists(atPath: repo + "/ran-arkiv"))
        let verify = try String(contentsOfFile: repo + "/ran-arkiv-verify", encoding: .utf8)
        #expect(verify.contains("archive latest --quick --policy \(policy)"))
        #expect(try String(contentsOfFile: repo + "/ran-arkiv-drill", encoding: .utf8).contains("--if-due"))
    }

    @Test("a failed verification stops the run before prune and exits 3; bad usage exits 2")
    func failures() throws {
        let synthetic = try SyntheticRepository()
        let repo = synthetic.path
        let bin = try fakeExecutables(marking: repo)
        try Data("#!/bin/sh\nexit 3\n".utf8).write(to: URL(fileURLWithPath: bin + "/arkiv-verify"))
        let policy = try policyFile(repo: repo)
        let outcome = try nightly(["--policy", policy], bin: bin)
        #expect(outcome.status == 3)
        let steps = try jsonLines(outcome.stdout)
        #expect(steps.map { $0["status"] as? String } == ["ok", "difference", "skipped", "skipped", "skipped", "difference"])
        #expect(!FileManager.default.fileExists(atPath: repo + "/ran-arkiv-prune"))

        #expect(try nightly([], bin: bin).status == 2)
        #expect(try nightly(["--policy", repo + "/missing.toml"], bin: bin).status == 2)
        #expect(try nightly(["--policy", policy, "--steps", "backup,compact"], bin: bin).status == 2)
        #expect(try nightly(["--policy", policy], bin: repo + "/no-such-folder").status == 2)
    }
}
