import Foundation

/// A backup set as retention sees it: when it was taken, whether it finished, whether it is pinned.
public struct RetentionCandidate: Sendable, Equatable {
    public let id: BackupID
    public let complete: Bool
    /// Pinned at backup time or later (`arkiv pin`); nil when the manifest could not be read, so
    /// nobody can tell: such a set is kept.
    public let pinned: Bool?
    /// Which database the set is of (`Manifest.Source.identity`): retention is applied to each
    /// source on its own, so a backup of another database never pushes this one's sets out.
    public let source: String?

    public init(id: BackupID, complete: Bool, pinned: Bool?, source: String? = nil) {
        self.id = id
        self.complete = complete
        self.pinned = pinned
        self.source = source
    }

    /// Its manifest could be read and describes this set's files.
    public var isReadable: Bool { pinned != nil }
}

/// Why a set is kept or removed: every reason that applies is listed, so a plan can be audited.
public enum RetentionReason: Sendable, Equatable, CustomStringConvertible {
    case pinned
    case newestComplete
    case unreadableManifest
    /// Its id is later than now: a wrong clock or a planted folder. Kept, counted by no rule.
    case future
    /// One of the newest `count` sets; `rank` is its place among them (1 = newest).
    case last(rank: Int, count: Int)
    /// The newest set of its hour/day/week/month/year (`period`, e.g. `2026-W47`).
    case bucket(RetentionBucket, period: String, rank: Int, count: Int)
    /// The oldest complete set, kept because a bucket rule still had room: history as long as allowed.
    case oldest(RetentionBucket)
    case within(TimeInterval)
    case incompleteWithinGrace(TimeInterval)
    case incompleteExpired(TimeInterval)
    case noRule
    /// A reader (restore, drill, verify) holds the set: prune's own check, not the plan's.
    case inUse([LockHolder])

    public var description: String {
        switch self {
        case .pinned: return "pinned"
        case .newestComplete: return "newest complete set"
        case .unreadableManifest:
            return "manifest unreadable or not this set's: kept until someone looks (arkiv-verify archive), counted by no rule"
        case .future: return "dated in the future (a wrong clock, or not written by arkiv): kept, counted by no rule"
        case .last(let rank, let count): return "keep-last (\(rank) of \(count))"
        case .bucket(let bucket, let period, let rank, let count): return "keep-\(bucket.rawValue) \(period) (\(rank) of \(count))"
        case .oldest(let bucket): return "oldest set while keep-\(bucket.rawValue) has room"
        case .within(let duration): return "keep-within \(DurationText.format(duration))"
        case .incompleteWithinGrace(let grace):
            return "incomplete, younger than the \(DurationText.format(grace)) grace (a backup may still be writing it)"
        case .incompleteExpired(let grace): return "incomplete, older than the \(DurationText.format(grace)) grace"
        case .noRule: return "no rule keeps it"
        case .inUse(let holders): return SetReaders.inUse(holders).description
        }
    }
}

/// The calendar periods of the keep-hourly … keep-yearly rules, in UTC (backup ids are UTC).
public enum RetentionBucket: String, CaseIterable, Sendable {
    case hourly, daily, weekly, monthly, yearly

    /// The period `date` falls in, as a readable key: `2026-11-24T03`, `2026-11-24`, `2026-W48`
    /// (ISO 8601 week: Monday to Sunday, week 1 holds the year's first Thursday), `2026-11`, `2026`.
    public func period(of date: Date) -> String {
        let day = UTCDay(date)
        switch self {
        case .hourly: return String(format: "%04d-%02d-%02dT%02d", day.year, day.month, day.day, day.hour)
        case .daily: return String(format: "%04d-%02d-%02d", day.year, day.month, day.day)
        case .weekly:
            let week = day.isoWeek
            return String(format: "%04d-W%02d", week.year, week.week)
        case .monthly: return String(format: "%04d-%02d", day.year, day.month)
        case .yearly: return String(format: "%04d", day.year)
        }
    }

    func count(in policy: RetentionPolicy) -> Int? {
        switch self {
        case .hourly: return policy.keepHourly
        case .daily: return policy.keepDaily
        case .weekly: return policy.keepWeekly
        case .monthly: return policy.keepMonthly
        case .yearly: return policy.keepYearly
        }
    }
}

/// What prune does with one set.
public struct RetentionDecision: Sendable, Equatable {
    public let candidate: RetentionCandidate
    public let keep: Bool
    public let reasons: [RetentionReason]

    public var id: BackupID { candidate.id }
}

/// Every set of a repository with its fate, newest first.
public struct RetentionPlan: Sendable, Equatable {
    public let decisions: [RetentionDecision]

    public var kept: [RetentionDecision] { decisions.filter(\.keep) }
    public var removed: [RetentionDecision] { decisions.filter { !$0.keep } }
}

/// Retention in the manner of restic's `forget`, decided without touching the disk.
///
/// Each source database's sets are judged on their own (restic groups by host and paths).
/// Complete sets are walked newest first. keep-last keeps the newest N; each calendar rule keeps
/// the newest set of each of the N most recent periods that have a set (periods without a set
/// are not counted); keep-within keeps every set at most that much older than the newest set
/// (not than now: a repository whose backups stopped keeps its history). A rule that still has
/// room when the walk reaches the oldest set keeps that one too. Whatever the rules say, pinned
/// sets and the newest complete set are kept.
///
/// When in doubt, keep, but never let doubt decide for others: a set whose manifest cannot be
/// read (or is another set's), and a set dated in the future, is kept and counts for nothing: it
/// takes no keep-last place, is not "the newest", and anchors no keep-within window. Incomplete
/// sets count for nothing either: older than the grace they are removed, younger ones are left.
public enum Retention {
    /// How far ahead of now an id may be before it counts as "in the future" (clocks drift).
    public static let futureTolerance: TimeInterval = 3600

    public static func plan(_ candidates: [RetentionCandidate], policy: RetentionPolicy, now: Date = Date()) -> RetentionPlan {
        let newestFirst = candidates.sorted { $0.id > $1.id }
        var decisions: [BackupID: RetentionDecision] = [:]
        let inFuture = { (set: RetentionCandidate) in set.id.createdAt.timeIntervalSince(now) > futureTolerance }
        let counted = newestFirst.filter { $0.complete && $0.isReadable && !inFuture($0) }
        for group in Dictionary(grouping: counted, by: { $0.source ?? "" }).values {
            for decision in walk(group, policy: policy) { decisions[decision.id] = decision }
        }
        for set in newestFirst where set.complete && decisions[set.id] == nil {
            let reasons: [RetentionReason] = set.isReadable ? [.future] + (set.pinned == true ? [.pinned] : []) : [.unreadableManifest]
            decisions[set.id] = RetentionDecision(candidate: set, keep: true, reasons: reasons)
        }
        for set in newestFirst where !set.complete {
            let young = now.timeIntervalSince(set.id.createdAt) < policy.incompleteGrace
            decisions[set.id] = RetentionDecision(
                candidate: set, keep: young,
                reasons: [young ? .incompleteWithinGrace(policy.incompleteGrace) : .incompleteExpired(policy.incompleteGrace)])
        }
        return RetentionPlan(decisions: newestFirst.compactMap { decisions[$0.id] })
    }

    /// The rules over one source's readable complete sets, newest first.
    private static func walk(_ complete: [RetentionCandidate], policy: RetentionPolicy) -> [RetentionDecision] {
        let newest = complete.first?.id.createdAt
        var lastLeft = max(0, policy.keepLast ?? 0)
        var bucketLeft = Dictionary(uniqueKeysWithValues: RetentionBucket.allCases.map { ($0, max(0, $0.count(in: policy) ?? 0)) })
        var lastPeriod: [RetentionBucket: String] = [:]
        var decisions: [RetentionDecision] = []
        for (index, set) in complete.enumerated() {
            var reasons: [RetentionReason] = []
            if set.pinned == true { reasons.append(.pinned) }
            if index == 0 { reasons.append(.newestComplete) }
            if let within = policy.keepWithin, let newest, newest.timeIntervalSince(set.id.createdAt) <= within {
                reasons.append(.within(within))
            }
            if lastLeft > 0, let count = policy.keepLast {
                reasons.append(.last(rank: count - lastLeft + 1, count: count))
                lastLeft -= 1
            }
            for bucket in RetentionBucket.allCases {
                guard let left = bucketLeft[bucket], left > 0, let count = bucket.count(in: policy) else { continue }
                let period = bucket.period(of: set.id.createdAt)
                if period != lastPeriod[bucket] {
                    reasons.append(.bucket(bucket, period: period, rank: count - left + 1, count: count))
                } else if index == complete.count - 1 {
                    reasons.append(.oldest(bucket))
                } else {
                    continue
                }
                lastPeriod[bucket] = period
                bucketLeft[bucket] = left - 1
            }
            let keep = !reasons.isEmpty
            decisions.append(RetentionDecision(candidate: set, keep: keep, reasons: keep ? reasons : [.noRule]))
        }
        return decisions
    }
}

/// A date's UTC calendar fields, from gmtime: exact and locale-free, as the backup ids are.
private struct UTCDay {
    let year: Int, month: Int, day: Int, hour: Int
    /// Days since 1970-01-01.
    let dayNumber: Int
    /// 1 = Monday … 7 = Sunday.
    let weekday: Int
    /// 1-based day of the year.
    let dayOfYear: Int

    init(_ date: Date) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        year = Int(parts.tm_year) + 1900
        month = Int(parts.tm_mon) + 1
        day = Int(parts.tm_mday)
        hour = Int(parts.tm_hour)
        weekday = parts.tm_wday == 0 ? 7 : Int(parts.tm_wday)
        dayOfYear = Int(parts.tm_yday) + 1
        dayNumber = Int((Double(seconds) / 86400).rounded(.down))
    }

    /// ISO 8601 week: the week (Monday–Sunday) belongs to the year of its Thursday.
    var isoWeek: (year: Int, week: Int) {
        let thursday = UTCDay(Date(timeIntervalSince1970: TimeInterval(dayNumber - weekday + 4) * 86400))
        return (thursday.year, (thursday.dayOfYear - 1) / 7 + 1)
    }
}
