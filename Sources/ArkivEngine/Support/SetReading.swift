import ArkivRepository
import Foundation

/// How every reader of a set (restore, drill, verify) opens it: under a `SetLease`, so prune
/// keeps the set until the run is over.
enum SetReading {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var warnedRepositories: Set<String> = []

    /// The set leased for `command`. When the repository cannot be written the run goes on
    /// unleased and says so once per process: a drill leases its set three times (the drill,
    /// its restore, its verification), the operator needs the line once.
    static func lease(repository: String, set: String, command: String, reporter: ProgressReporter) throws -> SetLease {
        let repository = try LocalRepository(path: repository)
        let lease = try repository.leaseSet(set, command: command)
        if let reason = lease.unheldReason, lock.withLock({ warnedRepositories.insert(repository.path).inserted }) {
            reporter.log("warning", "\(command): \(reason) (do not prune \(repository.path) until this run is over)",
                         fields: ["set": lease.entry.id.rawValue])
        }
        return lease
    }
}
