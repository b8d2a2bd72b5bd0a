import ArgumentParser
import ArkivEngine
import ArkivRepository
import Foundation

/// `arkiv prune` / `arkiv-prune`: retention by policy, restic `forget`-style.
public struct PruneCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove backup sets the retention rules no longer keep; never a pinned one, never the newest complete one.",
        discussion: """
            Sets are walked newest first. --keep-last N keeps the newest N; --keep-hourly/daily/weekly/monthly/yearly N \
            keep the newest set of each of the N most recent hours/days/ISO weeks/months/years (UTC) that have one; \
            --keep-within D keeps every set at most D older than the newest set (D like 30d, 2w, 36h, 1d12h). A rule \
            with room left when the walk reaches the oldest set keeps that one too. Pinned sets, the newest complete set \
            and sets whose manifest cannot be read are always kept. Incomplete sets (no manifest) older than \
            --incomplete-grace are removed. A set a restore, drill or verify is reading is kept this run, naming the \
            reader. Prune takes the repository lock (exit 4 while a backup runs), also with --dry-run, which prints \
            the plan and removes nothing.
            """)

    @Option(help: ArgumentHelp("The repository: a directory or s3://BUCKET/PREFIX.", valueName: "dir"))
    var repo: String?

    @OptionGroup var policyFile: PolicyOptions

    @Option(name: .customLong("keep-last"), help: ArgumentHelp("Keep the newest N sets.", valueName: "n"))
    var keepLast: Int?

    @Option(name: .customLong("keep-hourly"), help: ArgumentHelp("Keep the newest set of each of the last N hours that have one.", valueName: "n"))
    var keepHourly: Int?

    @Option(name: .customLong("keep-daily"), help: ArgumentHelp("Keep the newest set of each of the last N days that have one.", valueName: "n"))
    var keepDaily: Int?

    @Option(name: .customLong("keep-weekly"), help: ArgumentHelp("Keep the newest set of each of the last N ISO weeks that have one.", valueName: "n"))
    var keepWeekly: Int?

    @Option(name: .customLong("keep-monthly"), help: ArgumentHelp("Keep the newest set of each of the last N months that have one.", valueName: "n"))
    var keepMonthly: Int?

    @Option(name: .customLong("keep-yearly"), help: ArgumentHelp("Keep the newest set of each of the last N years that have one.", valueName: "n"))
    var keepYearly: Int?

    @Option(name: .customLong("keep-within"), help: ArgumentHelp("Keep every set at most this much older than the newest (30d, 2w, 36h).", valueName: "duration"))
    var keepWithin: DurationArgument?

    @Option(name: .customLong("incomplete-grace"), help: ArgumentHelp("Leave incomplete sets younger than this (a backup may still be writing).", valueName: "duration"))
    var incompleteGrace: DurationArgument?

    @Flag(name: .customLong("dry-run"), help: "Print the plan (every set, keep or remove, and why) and remove nothing.")
    var dryRun = false

    @Flag(help: "Print the plan and what was removed as JSON on stdout.")
    var json = false

    public init() {}

    public func validate() throws {
        let counts = [("--keep-last", keepLast), ("--keep-hourly", keepHourly), ("--keep-daily", keepDaily),
                      ("--keep-weekly", keepWeekly), ("--keep-monthly", keepMonthly), ("--keep-yearly", keepYearly)]
        for (flag, value) in counts {
            if let value, value < 0 { throw ValidationError("\(flag) must be 0 or more, not \(value)") }
        }
        if let incompleteGrace, incompleteGrace.seconds < RetentionPolicy.minimumIncompleteGrace {
            throw ValidationError("--incomplete-grace must be at least 1h, as in a policy: a shorter grace could remove a backup that is still running")
        }
    }

    /// The policy's `[retention]`, each rule given as a flag replacing the policy's.
    func retention(_ settings: PolicySettings) throws -> RetentionPolicy {
        var policy = settings.policy?.retention ?? RetentionPolicy()
        if let keepLast { policy.keepLast = keepLast }
        if let keepHourly { policy.keepHourly = keepHourly }
        if let keepDaily { policy.keepDaily = keepDaily }
        if let keepWeekly { policy.keepWeekly = keepWeekly }
        if let keepMonthly { policy.keepMonthly = keepMonthly }
        if let keepYearly { policy.keepYearly = keepYearly }
        if let keepWithin { policy.keepWithin = keepWithin.seconds }
        if let incompleteGrace { policy.incompleteGrace = incompleteGrace.seconds }
        guard policy.keepsSomething else {
            throw ValidationError("give at least one rule (--keep-last, --keep-daily, …, --keep-within, or a policy's [retention]): without one, prune would keep only the newest and the pinned sets")
        }
        return policy
    }

    public func run() throws {
        let settings = try policyFile.load()
        let path = try settings.repository(repo)
        let repository = try RepositoryLocation(path).open().pruneTarget()
        let result = try Pruner(repository: repository, policy: try retention(settings), dryRun: dryRun).run { line in
            if !json { print(line) }
        }
        if json { print(try RecordJSON.string(result)) }
        if let failure = result.failure {
            throw CommandFailure(.failure, failure)
        }
    }
}

/// A duration on the command line: `30d`, `2w`, `36h`, `90m`, `1d12h`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    let seconds: TimeInterval

    init(seconds: TimeInterval) { self.seconds = seconds }

    init?(argument: String) {
        guard let seconds = DurationText.parse(argument) else { return nil }
        self.seconds = seconds
    }

    var defaultValueDescription: String { DurationText.format(seconds) }
}

/// One prune run: lock, plan, keep what readers hold, print, remove (manifest first), report.
struct Pruner {
    struct SetOutcome: Encodable {
        let id: String
        let createdAt: Date
        let complete: Bool
        let pinned: Bool?
        let bytes: Int
        /// `keep` or `remove`.
        var action: String
        var reasons: [String]
        /// True when a reader (restore, drill, verify) held the set, so it was kept this run.
        var inUse = false
        /// True once the set folder is gone.
        var removed = false

        mutating func keep(inUseBy holders: [LockHolder]) {
            action = "keep"
            inUse = true
            reasons = [RetentionReason.inUse(holders).description] + reasons.map { "otherwise removed: " + $0 }
        }
    }

    struct Result: Encodable {
        let repository: String
        let dryRun: Bool
        let policy: [String: String]
        var sets: [SetOutcome]
        var removedBytes = 0
        var failure: String?
    }

    let repository: any PruneTarget
    let policy: RetentionPolicy
    let dryRun: Bool

    func run(print: (String) -> Void) throws -> Result {
        let lock = try repository.takeLock(command: dryRun ? "arkiv prune --dry-run" : "arkiv prune")
        defer { lock.release() }
        // What dead writers left is cleared first: a reader waiting on a dead prune's mark goes on.
        let leftovers = repository.leftovers(holding: lock)
        var cleared: [String] = []
        if !dryRun {
            for leftover in leftovers {
                do {
                    try leftover.clear()
                    cleared.append(leftover.cleared)
                } catch {
                    cleared.append("could not clear \(leftover.description): \(error)")
                }
            }
        }
        let sizes = try repository.setBytes()
        let candidates = try repository.retentionCandidates()
        let plan = Retention.plan(candidates, policy: policy)
        var result = Result(
            repository: repository.location, dryRun: dryRun, policy: Self.describe(policy),
            sets: plan.decisions.map { decision in
                SetOutcome(id: decision.id.rawValue, createdAt: decision.id.createdAt, complete: decision.candidate.complete,
                           pinned: decision.candidate.pinned, bytes: sizes[decision.id] ?? 0,
                           action: decision.keep ? "keep" : "remove", reasons: decision.reasons.map(\.description))
            })
        // A pin that cannot be read counts as a pin; the plan says why, so someone looks.
        for index in result.sets.indices where result.sets[index].pinned == true {
            guard let id = try? BackupID(parsing: result.sets[index].id),
                  case .unreadableRecord = repository.pinState(of: id, pinnedAtBackup: false) else { continue }
            let state = repository.pinState(of: id, pinnedAtBackup: false).description
            result.sets[index].reasons = result.sets[index].reasons.map { $0 == RetentionReason.pinned.description ? "pinned: \(state)" : $0 }
        }
        // A set being read is kept whatever the rules say; the next prune takes it.
        for (index, decision) in plan.decisions.enumerated() where !decision.keep {
            let holders = repository.readingHolders(of: decision.id)
            if !holders.isEmpty { result.sets[index].keep(inUseBy: holders) }
        }
        // Sets exist but not one can be read: the rules have nothing to stand on. Keep everything.
        let unreadable = candidates.contains(where: \.complete) && !candidates.contains { $0.complete && $0.isReadable }
        if unreadable {
            for index in result.sets.indices where result.sets[index].action == "remove" {
                result.sets[index].action = "keep"
                result.sets[index].reasons = ["no set's manifest can be read: nothing is removed"] + result.sets[index].reasons.map { "otherwise: " + $0 }
            }
            result.failure = "not one set's manifest in \(repository.location) can be read (damaged, replaced, or not written by arkiv); "
                + "nothing was removed: look with arkiv list and arkiv-verify archive"
        }
        print(Self.table(result))
        print("")
        if unreadable { return result }
        let toRemove = result.sets.filter { $0.action == "remove" }
        let bytes = toRemove.reduce(0) { $0 + $1.bytes }
        if dryRun {
            let also = leftovers.isEmpty ? "" : ", and \(leftovers.count) left by writers that died would be cleared (\(leftovers.map(\.description).joined(separator: "; ")))"
            print("dry run: \(Self.kept(result)), \(toRemove.count) would be removed (\(ProgressReporter.bytes(Int64(bytes))))\(also); nothing removed")
            return result
        }
        for line in cleared { print(line) }
        for (index, set) in result.sets.enumerated() where set.action == "remove" {
            do {
                // A reader that arrived after the plan was printed keeps it.
                let holders = try repository.removeUnlessRead(try BackupID(parsing: set.id), holding: lock)
                guard holders.isEmpty else {
                    result.sets[index].keep(inUseBy: holders)
                    print("kept \(set.id): \(result.sets[index].reasons[0])")
                    continue
                }
                result.sets[index].removed = true
                result.removedBytes += set.bytes
                print("removed \(set.id) (\(ProgressReporter.bytes(Int64(set.bytes))))")
            } catch {
                // Stop at the first failure: a disk or permission problem will not fix itself
                // for the next set, and whatever was not reached is still whole.
                result.failure = "could not remove \(set.id): \(error); nothing after it was removed"
                return result
            }
        }
        let removed = result.sets.filter(\.removed).count
        print("prune: \(Self.kept(result)), \(removed) removed (\(ProgressReporter.bytes(Int64(result.removedBytes))) freed)")
        return result
    }

    /// `5 kept` or `5 kept (1 in use by a reader)`.
    static func kept(_ result: Result) -> String {
        let kept = result.sets.filter { $0.action == "keep" }.count
        let inUse = result.sets.filter(\.inUse).count
        return "\(kept) kept" + (inUse > 0 ? " (\(inUse) in use by a reader)" : "")
    }

    static func table(_ result: Result, now: Date = Date()) -> String {
        guard !result.sets.isEmpty else { return "no backup sets in \(result.repository)" }
        let header = ["ID", "AGE", "SIZE", "STATE", "ACTION", "WHY"]
        let rows = result.sets.map { set -> [String] in
            [set.id, SetListing.age(since: set.createdAt, now: now), ProgressReporter.bytes(Int64(set.bytes)),
             set.complete ? (set.pinned == true ? "pinned" : "complete") : "INCOMPLETE",
             set.action == "keep" ? "keep" : "REMOVE", set.reasons.joined(separator: "; ")]
        }
        let rules = result.policy.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "retention for \(result.repository): \(rules)\n\n" + TextTable.render(header: header, rows: rows)
    }

    static func describe(_ policy: RetentionPolicy) -> [String: String] {
        var rules: [String: String] = ["incomplete-grace": DurationText.format(policy.incompleteGrace)]
        let counts = [("keep-last", policy.keepLast), ("keep-hourly", policy.keepHourly), ("keep-daily", policy.keepDaily),
                      ("keep-weekly", policy.keepWeekly), ("keep-monthly", policy.keepMonthly), ("keep-yearly", policy.keepYearly)]
        for (name, value) in counts { if let value { rules[name] = String(value) } }
        if let within = policy.keepWithin { rules["keep-within"] = DurationText.format(within) }
        return rules
    }
}
