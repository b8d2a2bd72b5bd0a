import ArkivArchive
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("arkiv list and show: verification and drill history")
struct ListAndShowCommandTests {
    /// A drill report as arkiv-drill keeps it in <repo>/drills/.
    private func keepDrillReport(_ repo: String, set: BackupID, at: String, passed: Bool) throws {
        try FileManager.default.createDirectory(atPath: repo + "/drills", withIntermediateDirectories: true)
        let report = """
            {"set":"\(set.rawValue)","startedAt":"\(at)","backupAgeSeconds":3600,"restoreSeconds":12.5,"verifySeconds":4.25,
             "totalSeconds":16.75,"storedBytes":2048,"tables":2,"rows":4242,"checks":57,
             "differences":\(passed ? "[]" : #"[{"object":"vault.documents","check":"rows","expected":"4242","actual":"4241","passed":false}]"#),
             "scratchDatabase":"arkiv_drill_x","scratchDropped":true,"passed":\(passed)}
            """
        try Data(report.utf8).write(to: URL(fileURLWithPath: repo + "/drills/" + at.replacingOccurrences(of: ":", with: "") + "-1-" + set.rawValue + ".json"))
    }

    @Test("verify archive leaves a record; list shows age, size, label, pin, last verify and last drill; show the set's facts")
    func history() throws {
        let synthetic = try SyntheticRepository()
        let repo = synthetic.path
        let older = try synthetic.addSet(at: Date().addingTimeInterval(-3 * 86400), label: "nightly")
        let newer = try synthetic.addSet(at: Date().addingTimeInterval(-2 * 3600), label: "pre-cutover", pinned: true)

        let quick = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo, "--quick"])
        #expect(quick.status == 0, "\(quick.stdout)\(quick.stderr)")
        let records = try FileManager.default.contentsOfDirectory(atPath: repo + "/verifications")
        #expect(records.count == 1 && records[0].hasSuffix("-" + newer.rawValue + ".json"), "\(records)")
        // A damaged set: the record says FAILED, and the command exits 3.
        let file = repo + "/" + older.rawValue + "/01-vault.arkiv"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[7] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: file))
        #expect(try runExecutable("arkiv-verify", ["archive", older.rawValue, "--repo", repo, "--quick"]).status == 3)
        try keepDrillReport(repo, set: newer, at: ISO8601DateFormatter().string(from: Date().addingTimeInterval(-600)), passed: true)
        try keepDrillReport(repo, set: older, at: "2026-01-01T06:00:00Z", passed: false)

        let list = try runExecutable("arkiv", ["list", "--repo", repo])
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true)
            == ["ID", "AGE", "SIZE", "LABEL", "SOURCE", "PINNED", "LAST", "VERIFY", "LAST", "DRILL", "STATE"])
        let newerLine = try #require(lines.first { $0.hasPrefix(newer.rawValue) })
        let size = String(format: "%.1f KiB", Double(try synthetic.repository.set(newer.rawValue).totalBytes) / 1024)
        for text in [" 2h ", size, "pre-cutover", " yes ", "ok quick, ", "ok, 10m ago", "complete"] {
            #expect(newerLine.contains(text), "\(text) in \(newerLine)")
        }
        let olderLine = try #require(lines.first { $0.hasPrefix(older.rawValue) })
        for text in [" 3d ", "nightly", "FAILED 1 diff quick, ", "FAILED 1 diff, "] {
            #expect(olderLine.contains(text), "\(text) in \(olderLine)")
        }

        let json = try runExecutable("arkiv", ["list", "--repo", repo, "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let newest = try #require(rows.first { $0["id"] as? String == newer.rawValue })
        let lastVerify = try #require(newest["lastVerify"] as? [String: Any])
        #expect(lastVerify["mode"] as? String == "archive --quick")
        #expect(lastVerify["passed"] as? Bool == true)
        let lastDrill = try #require(newest["lastDrill"] as? [String: Any])
        #expect(lastDrill["passed"] as? Bool == true)
        #expect(newest["pin"] as? String == "yes (at backup)")

        let drills = try runExecutable("arkiv", ["list", "--repo", repo, "--drills"])
        #expect(drills.status == 0)
        let drillLines = drills.stdout.split(separator: "\n").map(String.init)
        #expect(drillLines.count == 3)
        #expect(drillLines[1].contains("2026-01-01T06:00:00Z") && drillLines[1].contains("FAILED") && drillLines[1].contains(older.rawValue))
        #expect(drillLines[2].contains("passed") && drillLines[2].contains("16.8 s") && drillLines[2].contains("4242"))

        let show = try runExecutable("arkiv", ["show", newer.rawValue, "--repo", repo])
        #expect(show.status == 0, "\(show.stderr)")
        for text in ["vault.documents", "4242", "9.4 MiB", "1.2 MiB", "embedding: dim 1536, 17 NULL, observed 1536",
                     "table data", "vault.audit_log", "--exclude-table-data", "archive --quick", "passed", "12.5 s",
                     "backup@db.internal:5432/tekup_db", "yes (at backup)", "zstd level 3"] {
            #expect(show.stdout.contains(text), "\(text) in show")
        }
        let showJSON = try runExecutable("arkiv", ["show", older.rawValue, "--repo", repo, "--json"])
        let details = try #require(try JSONSerialization.jsonObject(with: Data(showJSON.stdout.utf8)) as? [String: Any])
        let tables = try #require(details["tables"] as? [[String: Any]])
        #expect(tables.first?["rows"] as? Int == 4242)
        let vectors = try #require(tables.first?["vectorColumns"] as? [[String: Any]])
        #expect(vectors.first?["declaredDimension"] as? Int == 1536)
        #expect(vectors.first?["nullCount"] as? Int == 17)
        let verifications = try #require(details["verifications"] as? [[String: Any]])
        #expect(verifications.count == 1 && verifications[0]["passed"] as? Bool == false)
        #expect((verifications[0]["firstDifferences"] as? [String])?.first?.contains("01-vault.arkiv") == true)
        #expect((details["drills"] as? [[String: Any]])?.count == 1)
        #expect((details["excluded"] as? [[String: Any]])?.first?["name"] as? String == "vault.audit_log")
    }

    @Test("show of an incomplete or unknown set fails and says what to do")
    func showErrors() throws {
        let synthetic = try SyntheticRepository()
        let incomplete = try synthetic.addIncompleteSet(at: Date().addingTimeInterval(-60))
        let outcome = try runExecutable("arkiv", ["show", incomplete.rawValue, "--repo", synthetic.path])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("incomplete"))
        let unknown = try runExecutable("arkiv", ["show", "latest", "--repo", synthetic.path])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("arkiv list"))
    }
}
