import Foundation

/// Which backup sets retention keeps, as a policy file's `[retention]` section states it.
///
/// A set is kept when any rule keeps it (the rules add up, they never narrow each other);
/// pinned sets are always kept. Periods are calendar periods in UTC: `keepDaily = 7` keeps the
/// newest set of each of the last seven days that have one. An incomplete set (no manifest) is
/// only removable once it is older than `incompleteGrace`, so a backup that is still running is
/// never taken for a failed one.
public struct RetentionPolicy: Sendable, Equatable {
    /// The newest n complete sets.
    public var keepLast: Int?
    public var keepHourly: Int?
    public var keepDaily: Int?
    public var keepWeekly: Int?
    public var keepMonthly: Int?
    public var keepYearly: Int?
    /// Every set younger than this many seconds.
    public var keepWithin: TimeInterval?
    /// Seconds an incomplete set is left alone (it may be a backup still running).
    public var incompleteGrace: TimeInterval

    /// One day: longer than any backup of the workspace takes, short enough that a failed run's
    /// leftovers do not pile up.
    public static let defaultIncompleteGrace: TimeInterval = 86_400
    /// The shortest grace allowed anywhere (policy or flag): less could remove a running backup.
    public static let minimumIncompleteGrace: TimeInterval = 3_600

    public init(
        keepLast: Int? = nil, keepHourly: Int? = nil, keepDaily: Int? = nil, keepWeekly: Int? = nil,
        keepMonthly: Int? = nil, keepYearly: Int? = nil, keepWithin: TimeInterval? = nil,
        incompleteGrace: TimeInterval = RetentionPolicy.defaultIncompleteGrace
    ) {
        self.keepLast = keepLast
        self.keepHourly = keepHourly
        self.keepDaily = keepDaily
        self.keepWeekly = keepWeekly
        self.keepMonthly = keepMonthly
        self.keepYearly = keepYearly
        self.keepWithin = keepWithin
        self.incompleteGrace = incompleteGrace
    }

    /// False when no rule keeps anything: pruning by such a policy would remove every unpinned
    /// set, which is never what a policy file means.
    public var keepsSomething: Bool {
        [keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly].contains { ($0 ?? 0) > 0 }
            || (keepWithin ?? 0) > 0
    }
}
