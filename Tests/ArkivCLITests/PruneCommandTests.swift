import ArkivArchive
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("arkiv-prune and pins")
struct PruneCommandTests {
    /// A year of nightly sets, with every kind of set prune must treat specially.
    private struct Year {
        let synthetic: SyntheticRepository
        let byDay: [String: BackupID]
        let pinnedAtBackup: BackupID, pinnedLater: BackupID, unpinned: BackupID, unreadable: BackupID
        let staleIncomplete: BackupID, runningIncomplete: BackupID
        let outsideFile: String, outsideFolder: String, impostor: String

        init() throws {
            synthetic = try SyntheticRepository()
            var byDay: [String: BackupID] = [:]
            let first = SyntheticRepository.night("2025-11-26")
            for day in 0..<365 {
                let date = first.addingTimeInterval(Double(day) * 86400)
                let key = CompactTimestamp.string(from: date).prefix(8)
                let pinned = key == "20260315" || key == "20260115"
                byDay[String(key)] = try synthetic.addSet(at: date, label: "nightly", pinned: pinned)
            }
            self.byDay = byDay
            pinnedAtBackup = try #require(byDay["20260315"])
            unpinned = try #require(byDay["20260115"])
            pinnedLater = try #require(byDay["20260214"])
            unreadable = try #require(byDay["20260505"])
            try Data("{\"mac\":\"garbage".utf8).write(to: URL(fileURLWithPath: synthetic.path + "/" + unreadable.rawValue + "/manifest.json"))
            staleIncomplete = try synthetic.addIncompleteSet(at: SyntheticRepository.night("2026-06-10", hour: 5))
            runningIncomplete = try synthetic.addIncompleteSet(at: Date().addingTimeInterval(-3600))

            // Things that are not the repository's to remove.
            outsideFolder = synthetic.path + "-outside"
            try FileManager.default.createDirectory(atPath: outsideFolder, withIntermediateDirectories: false)
            outsideFile = outsideFolder + "/precious.txt"
            try Data("not a backup".utf8).write(to: URL(fileURLWithPath: outsideFile))
            try Data("{}".utf8).write(to: URL(fileURLWithPath: outsideFolder + "/manifest.json"))
            impostor = synthetic.path + "/20251201T031500Z-0badc0"
            try FileManager.default.createSymbolicLink(atPath: impostor, withDestinationPath: outsideFolder)
            let doomed = try #require(byDay["20260101"])
            try FileManager.default.createSymbolicLink(
                atPath: synthetic.path + "/" + doomed.rawValue + "/link-out", withDestinationPath: outsideFile)
        }

        /// What must be left: the policy's sets, the pinned, the unreadable, the running backup.
        var survivors: Set<BackupID> {
            let days = ["20261125", "20261124", "20261123", "20261122", "20261121", "20261120", "20261119", "20261115", "20261108",
                        "20261031", "20260930", "20260831", "20260731", "20260630", "20260531", "20260430", "20260331",
                        "20260228", "20260131", "20251231"]
            return Set(days.compactMap { byDay[$0] } + [pinnedAtBackup, pinnedLater, unreadable, runningIncomplete])
        }

        /// The survivors' folders, and the link that only looks like a set.
        var survivingNames: Set<String> {
            Set(survivors.map(\.rawValue) + [(impostor as NSString).lastPathComponent])
        }

        func folders() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: synthetic.path).filter { (try? BackupID(parsing: $0)) != nil })
        }
    }

    private let policy = ["--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly", "12"]

    @Test("a year of nightly sets: the plan names every set and why; prune leaves exactly what the policy keeps")
    func nightlyYear() throws {
        let year = try Year()
        let repo = year.synthetic.path
        #expect(try runExecutable("arkiv", ["pin", year.pinnedLater.rawValue, "--repo", repo, "--note", "before the cutover"],
                                  environment: ["USER": "", "LOGNAME": ""]).status == 0)
        // The record names the account (cron and systemd set no USER), never a bare uid.
        let record = try String(contentsOfFile: repo + "/pins/" + year.pinnedLater.rawValue + ".json", encoding: .utf8)
        let account = try #require(getpwuid(geteuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } })
        #expect(record.contains("\"by\" : \"\(account)@"), "\(record)")
        let unpin = try runExecutable("arkiv", ["unpin", year.unpinned.rawValue, "--repo", repo])
        #expect(unpin.status == 0, "\(unpin.stderr)")
        #expect(unpin.stdout.contains("unpinned"))

        let before = year.synthetic.snapshot()
        let dryRun = try runExecutable("arkiv-prune", ["--repo", repo, "--dry-run"] + policy)
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        #expect(year.synthetic.snapshot() == before, "a dry run changes nothing")
        let lines = dryRun.stdout.split(separator: "\n")
        #expect(lines.filter { $0.contains(" REMOVE ") }.count == 343)
        for id in year.byDay.values {
            #expect(dryRun.stdout.contains(id.rawValue), "every set is in the plan")
        }
        let line = { (id: BackupID) in lines.first { $0.hasPrefix(id.rawValue) }.map(String.init) ?? "" }
        #expect(line(try #require(year.byDay["20261031"])).contains("keep-monthly 2026-10 (2 of 12)"))
        #expect(line(try #require(year.byDay["20261122"])).contains("keep-daily 2026-11-22 (4 of 7); keep-weekly 2026-W47 (2 of 4)"))
        #expect(line(year.pinnedAtBackup).contains("pinned"))
        #expect(line(year.pinnedLater).contains("pinned"))
        #expect(line(year.unpinned).contains("REMOVE"))
        #expect(line(year.unreadable).contains("manifest unreadable"))
        #expect(line(year.staleIncomplete).contains("REMOVE  incomplete, older than the 1d grace"))
        #expect(line(year.runningIncomplete).contains("keep    incomplete, younger than the 1d grace"))
        #expect(dryRun.stdout.contains("dry run: 24 kept, 343 would be removed"))

        // The same rules from a policy file give the same plan; a flag overrides its rule.
        let policyFile = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-prune-\(UUID().uuidString).toml")
        try "[repository]\npath = \"\(repo)\"\n\n[retention]\nkeep-daily = 7\nkeep-weekly = 4\nkeep-monthly = 12\n"
            .write(to: policyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: policyFile) }
        let fromPolicy = try runExecutable("arkiv-prune", ["--policy", policyFile.path, "--dry-run"])
        #expect(fromPolicy.status == 0, "\(fromPolicy.stderr)")
        #expect(fromPolicy.stdout == dryRun.stdout)
        let overridden = try runExecutable("arkiv-prune", ["--policy", policyFile.path, "--keep-daily", "30", "--dry-run"])
        // 30 daily sets instead of 7: 23 more days, 3 of whose sets the weekly rule kept already.
        #expect(overridden.stdout.contains("dry run: 44 kept, 323 would be removed"), "\(overridden.stdout.suffix(200))")
        #expect(overridden.stdout != dryRun.stdout)

        let pruned = try runExecutable("arkiv-prune", ["--repo", repo, "--json"] + policy)
        #expect(pruned.status == 0, "\(pruned.stderr)")
        let unexpected = try year.folders().symmetricDifference(year.survivingNames)
        #expect(unexpected.isEmpty, "\(unexpected)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(pruned.stdout.utf8)) as? [String: Any])
        let sets = try #require(report["sets"] as? [[String: Any]])
        #expect(sets.filter { $0["removed"] as? Bool == true }.count == 343)
        #expect(report["dryRun"] as? Bool == false)

        // Outside the repository, and behind links, nothing moved.
        #expect(FileManager.default.contents(atPath: year.outsideFile) == Data("not a backup".utf8))
        #expect(FileManager.default.fileExists(atPath: year.outsideFolder + "/manifest.json"))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: year.impostor)) == year.outsideFolder)
        // The unpinned set's pin record went with it; the kept pins stay.
        #expect(!FileManager.default.fileExists(atPath: repo + "/pins/" + year.unpinned.rawValue + ".json"))
        #expect(FileManager.default.fileExists(atPath: repo + "/pins/" + year.pinnedLater.rawValue + ".json"))

        // Run again: the policy is stable, nothing more goes.
        let again = try runExecutable("arkiv-prune", ["--repo", repo] + policy)
        #expect(again.status == 0)
        let unexpectedAfter = try year.folders().symmetricDifference(year.survivingNames)
        #expect(unexpectedAfter.isEmpty, "\(unexpectedAfter)")
        #expect(again.stdout.contains("0 removed"))
    }

    @Test("prune, pin and unpin wait for nobody: while the repository is locked they exit 4 and change nothing")
    func locked() throws {
        let synthetic = try SyntheticRepository()
        let old = try synthetic.addSet(at: SyntheticRepository.night("2026-01-01"))
        try synthetic.addSet(at: SyntheticRepository.night("2026-01-02"))
        let lock = try synthetic.repository.lock(command: "arkiv-backup")
        let before = synthetic.snapshot()
        for arguments in [["arkiv-prune", "--repo", synthetic.path, "--keep-last", "1"],
                          ["arkiv", "prune", "--repo", synthetic.path, "--keep-last", "1", "--dry-run"],
                          ["arkiv", "pin", old.rawValue, "--repo", synthetic.path],
                          ["arkiv", "unpin", old.rawValue, "--repo", synthetic.path]] {
            let outcome = try runExecutable(arguments[0], Array(arguments.dropFirst()))
            #expect(outcome.status == 4, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.contains("locked by arkiv-backup"))
        }
        #expect(synthetic.snapshot() == before)
        lock.release()
        #expect(try runExecutable("arkiv-prune", ["--repo", synthetic.path, "--keep-last", "1"]).status == 0)
        #expect(try synthetic.repository.sets().count == 1)
    }

    @Test("prune refuses a policy that would keep nothing, negative counts and bad durations (exit 2)")
    func usage() throws {
        let synthetic = try SyntheticRepository()
        try synthetic.addSet(at: SyntheticRepository.night("2026-01-01"))
        try synthetic.addSet(at: SyntheticRepository.night("2026-01-02"))
        for arguments in [[String](), ["--keep-last", "0"], ["--keep-daily", "-1"], ["--keep-within", "30 days"],
                          ["--keep-last", "1", "--incomplete-grace", "soon"]] {
            let outcome = try runExecutable("arkiv-prune", ["--repo", synthetic.path] + arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
        }
        #expect(try synthetic.repository.sets().count == 2)
        let help = try runExecutable("arkiv-prune", ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--keep-within <duration>") && help.stdout.contains("newest set"))
        #expect(help.stderr.isEmpty, "\(help.stderr)")
    }

    @Test("pin and unpin round trip, also for a set pinned at backup time; list and show follow")
    func pinRoundTrip() throws {
        let synthetic = try SyntheticRepository()
        let plain = try synthetic.addSet(at: SyntheticRepository.night("2026-01-01"))
        let atBackup = try synthetic.addSet(at: SyntheticRepository.night("2026-01-02"), label: "pre-cutover", pinned: true)
        let repo = synthetic.path

        func pinned() throws -> [String: Bool] {
            let list = try runExecutable("arkiv", ["list", "--repo", repo, "--json"])
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: rows.compactMap { row in
                (row["id"] as? String).flatMap { id in (row["pinned"] as? Bool).map { (id, $0) } }
            })
        }
        #expect(try pinned() == [plain.rawValue: false, atBackup.rawValue: true])

        #expect(try runExecutable("arkiv", ["pin", plain.rawValue, "--repo", repo]).status == 0)
        #expect(try runExecutable("arkiv", ["unpin", atBackup.rawValue, "--repo", repo]).status == 0)
        #expect(try pinned() == [plain.rawValue: true, atBackup.rawValue: false])
        let show = try runExecutable("arkiv", ["show", atBackup.rawValue, "--repo", repo])
        #expect(show.stdout.contains("pinned at backup, unpinned by"), "\(show.stdout)")
        // Pinned later, the older set outlives --keep-last 1.
        let prune = try runExecutable("arkiv-prune", ["--repo", repo, "--keep-last", "1", "--dry-run"])
        #expect(prune.stdout.split(separator: "\n").first { $0.hasPrefix(plain.rawValue) }?.contains("keep") == true)

        let again = try runExecutable("arkiv", ["pin", plain.rawValue, "--repo", repo])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already pinned"))
        #expect(try runExecutable("arkiv", ["unpin", plain.rawValue, "--repo", repo]).status == 0)
        #expect(try runExecutable("arkiv", ["pin", atBackup.rawValue, "--repo", repo]).status == 0)
        #expect(try pinned() == [plain.rawValue: false, atBackup.rawValue: true])

        let missing = try runExecutable("arkiv", ["pin", "20200101T000000Z-000000", "--repo", repo])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("arkiv list"))
    }
}
