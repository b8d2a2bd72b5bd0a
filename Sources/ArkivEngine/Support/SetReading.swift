import ArkivRepository
import Foundation

/// How every reader of a set (restore, drill, verify) opens it: under a `SetLease`, so prune
/// keeps the set until the run is over.
enum SetReading {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var warnedRepositories: Set<String> = []

    /// The set held for `command` (`HeldSet`), on disk or in a bucket. When a directory cannot
    /// be written the run goes on unleased and says so once per process: a drill leases its set
    /// three times (the drill, its restore, its verification), the operator needs the line once.
    static func hold(repository: String, set: String, command: String, reporter: ProgressReporter) throws -> HeldSet {
        let held = try HeldSet(try RepositoryLocation(repository).open(), set: set, command: command)
        if let reason = held.unheldReason, lock.withLock({ warnedRepositories.insert(held.storage.location).inserted }) {
            reporter.log("warning", "\(command): \(reason) (do not prune \(held.storage.location) until this run is over)",
                         fields: ["set": held.id.rawValue])
        }
        return held
    }
}
