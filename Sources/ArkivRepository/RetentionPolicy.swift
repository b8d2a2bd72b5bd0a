import Foundation

// TEMPORARY copy for the retention branch: the policy branch owns this file and its shape is
// agreed (issue #7). When both branches are merged, keep the policy branch's version.

/// How many backup sets to keep, restic `forget`-style. Nil means the rule is not used.
public struct RetentionPolicy: Sendable, Equatable {
    public var keepLast: Int?
    public var keepHourly: Int?
    public var keepDaily: Int?
    public var keepWeekly: Int?
    public var keepMonthly: Int?
    public var keepYearly: Int?
    /// Keep every set at most this much older than the newest set.
    public var keepWithin: TimeInterval?
    /// Incomplete sets younger than this are left alone (a backup may still be writing).
    public var incompleteGrace: TimeInterval

    public init(
        keepLast: Int? = nil, keepHourly: Int? = nil, keepDaily: Int? = nil, keepWeekly: Int? = nil,
        keepMonthly: Int? = nil, keepYearly: Int? = nil, keepWithin: TimeInterval? = nil,
        incompleteGrace: TimeInterval = 24 * 3600
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
}
