import ArkivArchive
@testable import ArkivRepository
import Foundation
import Testing

/// `2026-11-25` at 03:15 UTC, the nightly time.
private func night(_ day: String, hour: Int = 3) -> Date {
    let text = day.replacingOccurrences(of: "-", with: "") + String(format: "T%02d1500Z", hour)
    guard let date = CompactTimestamp.date(from: text) else { fatalError("bad test date \(day)") }
    return date
}

private func id(_ date: Date, _ suffix: Int = 0xabc123) throws -> BackupID {
    try BackupID(parsing: CompactTimestamp.string(from: date) + "-" + String(format: "%06x", suffix))
}

/// One set per night from 2025-11-26 to 2026-11-25: a year of nightly backups.
private func nightlyYear() throws -> [BackupID] {
    let first = night("2025-11-26")
    return try (0..<365).map { try id(first.addingTimeInterval(Double($0) * 86400)) }
}

private func days(_ ids: [BackupID]) -> [String] {
    ids.map { String($0.rawValue.prefix(8)) }
}

@Suite("Retention plan")
struct RetentionPlanTests {
    @Test("a year of nightly sets under 7 daily, 4 weekly, 12 monthly keeps exactly those, pinned ones too")
    func nightlyYearPolicy() throws {
        let pinned = try id(night("2026-03-15"))
        let candidates = try nightlyYear().map { RetentionCandidate(id: $0, complete: true, pinned: $0 == pinned) }
        let policy = RetentionPolicy(keepDaily: 7, keepWeekly: 4, keepMonthly: 12)
        let plan = Retention.plan(candidates, policy: policy, now: night("2026-11-25", hour: 5))

        let expected = [
            "20261125", "20261124", "20261123", "20261122", "20261121", "20261120", "20261119",  // 7 days
            "20261115", "20261108",  // weeks 46 and 45 (47 and 48 are days already kept)
            "20261031", "20260930", "20260831", "20260731", "20260630", "20260531", "20260430", "20260331",
            "20260315",  // pinned
            "20260228", "20260131", "20251231",  // the 12th month is December 2025: November 2025 is past the count
        ]
        #expect(days(plan.kept.map(\.id)) == expected)
        #expect(plan.removed.count == 365 - expected.count)
        #expect(plan.decisions.count == 365)

        let byDay = Dictionary(uniqueKeysWithValues: plan.decisions.map { (String($0.id.rawValue.prefix(8)), $0.reasons) })
        #expect(byDay["20261125"] == [.newestComplete, .bucket(.daily, period: "2026-11-25", rank: 1, count: 7),
                                      .bucket(.weekly, period: "2026-W48", rank: 1, count: 4),
                                      .bucket(.monthly, period: "2026-11", rank: 1, count: 12)])
        #expect(byDay["20261122"] == [.bucket(.daily, period: "2026-11-22", rank: 4, count: 7),
                                      .bucket(.weekly, period: "2026-W47", rank: 2, count: 4)])
        #expect(byDay["20260315"] == [.pinned])
        #expect(byDay["20251231"] == [.bucket(.monthly, period: "2025-12", rank: 12, count: 12)])
        #expect(byDay["20261118"] == [.noRule])
        #expect(byDay["20251126"] == [.noRule], "the oldest is kept only while a rule has room")
    }

    @Test("keep-last and keep-within count from the newest set, not from now")
    func lastAndWithin() throws {
        let candidates = try nightlyYear().map { RetentionCandidate(id: $0, complete: true, pinned: false) }
        // A year later nothing new was written: the history must not evaporate.
        let later = night("2027-11-25")
        let last = Retention.plan(candidates, policy: RetentionPolicy(keepLast: 3), now: later)
        #expect(days(last.kept.map(\.id)) == ["20261125", "20261124", "20261123"])
        let within = Retention.plan(candidates, policy: RetentionPolicy(keepWithin: 10 * 86400), now: later)
        #expect(within.kept.count == 11, "10 days back from the newest, both ends included")
        #expect(within.kept.last?.reasons == [.within(10 * 86400)])
    }

    @Test("with no rule left, only the newest complete set and the pinned ones survive")
    func newestAndPinned() throws {
        let year = try nightlyYear()
        let running = try id(night("2026-11-26"))  // newer, but incomplete
        var candidates = year.map { RetentionCandidate(id: $0, complete: true, pinned: $0 == year[10]) }
        candidates.append(RetentionCandidate(id: running, complete: false, pinned: false))
        candidates.append(RetentionCandidate(id: year[20], complete: true, pinned: nil))  // unreadable manifest
        candidates.removeAll { $0.id == year[20] && $0.pinned == false }
        let plan = Retention.plan(candidates, policy: RetentionPolicy(keepDaily: 0), now: night("2026-11-26", hour: 4))
        #expect(plan.kept.map(\.id) == [running, year[364], year[20], year[10]])
        #expect(plan.kept[1].reasons == [.newestComplete])
        #expect(plan.kept[2].reasons == [.unreadableManifest])
        #expect(plan.kept[3].reasons == [.pinned])
        #expect(plan.kept[0].reasons == [.incompleteWithinGrace(86400)])
    }

    @Test("incomplete sets older than the grace are removed, younger ones left, neither counts for a rule")
    func incompleteGrace() throws {
        let complete = try id(night("2026-11-20"))
        let stale = try id(night("2026-11-24"))
        let young = try id(night("2026-11-25"))
        let candidates = [RetentionCandidate(id: complete, complete: true, pinned: false),
                          RetentionCandidate(id: stale, complete: false, pinned: false),
                          RetentionCandidate(id: young, complete: false, pinned: false)]
        let plan = Retention.plan(candidates, policy: RetentionPolicy(keepLast: 1, incompleteGrace: 6 * 3600),
                                  now: night("2026-11-25", hour: 8))
        #expect(plan.decisions.map(\.id) == [young, stale, complete])
        #expect(plan.decisions.map(\.keep) == [true, false, true])
        #expect(plan.decisions[1].reasons == [.incompleteExpired(6 * 3600)])
        #expect(plan.decisions[2].reasons == [.newestComplete, .last(rank: 1, count: 1)])
        #expect(plan.decisions[1].reasons[0].description == "incomplete, older than the 6h grace")
    }

    @Test("a rule with room left keeps the oldest set as well")
    func oldestWhileRoom() throws {
        let sets = try (0..<10).map { try id(night("2026-11-16").addingTimeInterval(Double($0) * 86400)) }  // Mon 16 … Wed 25
        let plan = Retention.plan(sets.map { RetentionCandidate(id: $0, complete: true, pinned: false) },
                                  policy: RetentionPolicy(keepWeekly: 4), now: night("2026-11-26"))
        #expect(days(plan.kept.map(\.id)) == ["20261125", "20261122", "20261116"])
        #expect(plan.kept[2].reasons == [.oldest(.weekly)])
    }

    @Test("calendar periods are UTC and weeks are ISO 8601")
    func periods() {
        #expect(RetentionBucket.weekly.period(of: night("2026-12-31")) == "2026-W53")
        #expect(RetentionBucket.weekly.period(of: night("2027-01-01")) == "2026-W53")
        #expect(RetentionBucket.weekly.period(of: night("2024-12-30")) == "2025-W01")
        #expect(RetentionBucket.weekly.period(of: night("2026-11-22")) == "2026-W47")
        #expect(RetentionBucket.hourly.period(of: night("2026-11-25", hour: 23)) == "2026-11-25T23")
        #expect(RetentionBucket.daily.period(of: night("2026-11-25", hour: 23)) == "2026-11-25")
        #expect(RetentionBucket.monthly.period(of: night("2026-02-28")) == "2026-02")
        #expect(RetentionBucket.yearly.period(of: night("2025-12-31", hour: 23)) == "2025")
    }

    @Test("durations read and print the way the options write them")
    func durations() {
        #expect(DurationText.parse("30d") == TimeInterval(30 * 86400))
        #expect(DurationText.parse("2w") == TimeInterval(14 * 86400))
        #expect(DurationText.parse("1d12h") == TimeInterval(36 * 3600))
        #expect(DurationText.parse("90m") == TimeInterval(5400))
        for bad in ["", "30", "d", "3x", "-1d", "1.5d", "1d 2h", "99999999999d"] {
            #expect(DurationText.parse(bad) == nil, "\(bad)")
        }
        #expect(DurationText.format(36 * 3600) == "1d12h")
        #expect(DurationText.format(14 * 86400) == "14d")
    }
}

@Suite("Set removal")
struct SetRemovalTests {
    private func repository() throws -> LocalRepository {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-removal-\(UUID().uuidString)").path
        return try LocalRepository(path: path, create: true)
    }

    @Test("a set is removed manifest first, links inside are removed as links, targets and neighbours untouched")
    func removal() throws {
        let repository = try repository()
        let outside = repository.path + "-outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: false)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: outside + "/precious"))
        let victim = try BackupID(date: night("2026-01-01"))
        let neighbour = try BackupID(date: night("2026-01-02"))
        for set in [victim, neighbour] {
            let writer = try repository.createSet(set)
            let file = try writer.stageFile(named: "vault.arkiv")
            try Array("bytes".utf8).withUnsafeBytes { try file.write($0) }
            try file.commit()
            try writer.finish(manifest: Data("{}".utf8))
        }
        try FileManager.default.createSymbolicLink(atPath: repository.path + "/" + victim.rawValue + "/link", withDestinationPath: outside + "/precious")
        try FileManager.default.createSymbolicLink(atPath: repository.path + "/" + victim.rawValue + "/dirlink", withDestinationPath: outside)
        // A link named like a set is not a set: not listed, not removable.
        let impostor = try BackupID(date: night("2026-01-03"))
        try FileManager.default.createSymbolicLink(atPath: repository.path + "/" + impostor.rawValue, withDestinationPath: outside)
        #expect(try repository.sets(includeIncomplete: true).map(\.id) == [victim, neighbour])

        let lock = try repository.lock(command: "test")
        try repository.removeSet(victim, holding: lock)
        #expect(try repository.sets(includeIncomplete: true).map(\.id) == [neighbour])
        #expect(throws: RepositoryError.self) { try repository.removeSet(impostor, holding: lock) }
        #expect(FileManager.default.contents(atPath: outside + "/precious") == Data("keep me".utf8))
        #expect(FileManager.default.fileExists(atPath: repository.path + "/" + impostor.rawValue))
    }

    @Test("pins and verification records live beside the set and go with it")
    func records() throws {
        let repository = try repository()
        let set = try BackupID(date: night("2026-01-01"))
        let writer = try repository.createSet(set)
        try writer.finish(manifest: Data("{}".utf8))
        let stored = StoredSets(storage: LocalStorage(root: repository.path))
        let lock = try repository.lock(command: "test")
        #expect(repository.pinState(of: set, pinnedAtBackup: false) == .notPinned)
        try stored.setPinned(true, set, note: nil, holding: lock)
        #expect(repository.pinState(of: set, pinnedAtBackup: false).isPinned)
        try stored.setPinned(false, set, note: nil, holding: lock)
        guard case .unpinned = repository.pinState(of: set, pinnedAtBackup: true) else {
            Issue.record("an unpin overrides the manifest's pin")
            return
        }
        let record = VerificationRecord(set: set.rawValue, mode: "archive --quick", startedAt: night("2026-01-02"), seconds: 0.1, passed: true,
                                        checks: 3, differences: 0, firstDifferences: [], tool: "test")
        try stored.keep(record)
        try stored.keep(record)
        #expect(stored.verifications(of: set) == [record, record])
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: repository.path + "/pins/" + set.rawValue + ".json"))
        #expect(repository.pinState(of: set, pinnedAtBackup: false).isPinned, "an unreadable pin keeps the set")
        try repository.removeSet(set, holding: lock)
        #expect(stored.verifications(of: set).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: repository.path + "/pins/" + set.rawValue + ".json"))
    }
}
