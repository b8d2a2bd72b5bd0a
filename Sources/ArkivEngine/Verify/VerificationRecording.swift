import ArkivRepository
import Foundation

extension VerificationRecord {
    /// The record a `verify archive` run leaves in the repository.
    public init(_ report: VerifyReport) {
        let differences = report.differences
        self.init(
            set: report.set, mode: report.mode, startedAt: report.startedAt, seconds: report.seconds, passed: report.passed,
            checks: report.checks.count, differences: differences.count,
            firstDifferences: differences.prefix(5).map { "\($0.object) \($0.check): expected \($0.expected.prefix(80)), found \($0.actual.prefix(120))" },
            tool: "arkiv \(ArkivEngineVersion.string)")
    }
}

extension ArchiveVerifier {
    /// Keeps the run's record in the repository. A repository mounted read-only where the
    /// identity lives must not turn a good verification into a failure: a record that cannot be
    /// written is a warning.
    public func keepRecord(of report: VerifyReport, reporter: ProgressReporter) {
        do {
            try StoredSets(storage: RepositoryLocation(repository).open()).keep(VerificationRecord(report))
        } catch {
            reporter.log("warning", "verification record not kept: \(error)")
        }
    }
}
