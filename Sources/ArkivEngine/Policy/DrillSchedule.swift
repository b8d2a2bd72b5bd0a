import ArkivRepository
import Foundation

/// When drills are due, as `[drill] schedule` states it. All times are UTC.
///
/// - `daily`: once each calendar day.
/// - `weekly:<day>` (`mon` … `sun`, or the full name): once each week, from the start of that weekday.
/// - `monthly:<n>` (1–28): once each month, from the start of day n.
/// - `every:<duration>` (e.g. `every:3d`): when the last drill is at least that old.
///
/// A drill is due when none has run since the most recent scheduled moment, so a run missed
/// (the host was down) is made up at the next chance rather than skipped.
public enum DrillSchedule: Sendable, Equatable {
    case daily
    case weekly(weekday: Int)  // 1 = Sunday … 7 = Saturday, as Calendar counts
    case monthly(day: Int)
    case every(TimeInterval)

    static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let dayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    static let syntax = "daily, weekly:<mon…sun>, monthly:<1–28> or every:<duration> (e.g. every:3d)"

    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map { $0.lowercased() }
        switch (parts.first, parts.count) {
        case ("daily", 1):
            self = .daily
        case ("weekly", 2):
            // `sun` or `sunday`.
            guard let index = Self.weekdays.firstIndex(of: parts[1]) ?? Self.dayNames.firstIndex(of: parts[1]) else { return nil }
            self = .weekly(weekday: index + 1)
        case ("monthly", 2):
            guard let day = Int(parts[1]), (1...28).contains(day) else { return nil }
            self = .monthly(day: day)
        case ("every", 2):
            guard let seconds = DurationText.parse(parts[1]), seconds >= 60 else { return nil }
            self = .every(seconds)
        default:
            return nil
        }
    }

    /// Whether a drill should run at `now`, given when the last one ran (nil: never).
    public func isDue(now: Date, lastDrill: Date?) -> Bool {
        guard let lastDrill else { return true }
        if case .every(let interval) = self { return now.timeIntervalSince(lastDrill) >= interval }
        guard let moment = mostRecentScheduledMoment(atOrBefore: now) else { return true }
        return lastDrill < moment
    }

    /// When the next drill falls due after one that ran at `lastDrill`.
    public func nextDue(after lastDrill: Date) -> Date? {
        if case .every(let interval) = self { return lastDrill.addingTimeInterval(interval) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        guard let moment = mostRecentScheduledMoment(atOrBefore: lastDrill) else { return nil }
        switch self {
        case .daily: return calendar.date(byAdding: .day, value: 1, to: moment)
        case .weekly: return calendar.date(byAdding: .day, value: 7, to: moment)
        case .monthly: return calendar.date(byAdding: .month, value: 1, to: moment)
        case .every: return nil
        }
    }

    /// The latest start of a scheduled day at or before `now`.
    func mostRecentScheduledMoment(atOrBefore now: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let today = calendar.startOfDay(for: now)
        switch self {
        case .daily:
            return today
        case .weekly(let weekday):
            let back = (calendar.component(.weekday, from: today) - weekday + 7) % 7
            return calendar.date(byAdding: .day, value: -back, to: today)
        case .monthly(let day):
            var components = calendar.dateComponents([.year, .month], from: today)
            components.day = day
            guard let thisMonth = calendar.date(from: components) else { return nil }
            return thisMonth <= now ? thisMonth : calendar.date(byAdding: .month, value: -1, to: thisMonth)
        case .every:
            return nil
        }
    }
}
