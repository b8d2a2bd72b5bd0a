@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("The restore's dependency scheduler")
struct DependencySchedulerTests {
    /// Start and end of each job, by name, as the workers saw them.
    final class Timeline: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var spans: [String: (start: Date, end: Date, workers: Int)] = [:]
        func record(_ name: String, _ start: Date, _ workers: Int) { lock.withLock { spans[name] = (start, Date(), workers) } }
    }

    @Test("a wide job waits until no narrow job runs or could start, then has every slot, with workers - 1 parallel workers")
    func wideJobRunsAlone() throws {
        let timeline = Timeline()
        func sleeping(_ name: String, _ seconds: Double, after: Set<String> = [], width: Int = 1) -> DependencyScheduler.Job {
            DependencyScheduler.Job(name: name, dependsOn: after, width: width) { connection, parallelWorkers in
                let start = Date()
                try connection.execute("SELECT pg_sleep(\(seconds))")
                timeline.record(name, start, parallelWorkers)
            }
        }
        // `build` is ready after `load` (first), but the narrow jobs ready by then go first; `after`
        // depends on the build and runs once it is done.
        let jobs = [
            sleeping("load", 0.1),
            sleeping("build", 0.3, after: ["load"], width: .max),
            sleeping("a", 0.3), sleeping("b", 0.3), sleeping("c", 0.3),
            sleeping("after", 0.1, after: ["build"]),
        ]
        try DependencyScheduler(jobs: jobs).run(workers: 3) { try TestServer.pg16.connect() }
        let spans = timeline.spans
        let build = try #require(spans["build"])
        #expect(build.workers == 2)
        for name in ["load", "a", "b", "c"] {
            let span = try #require(spans[name])
            #expect(span.end <= build.start, "\(name) ended \(span.end) after the build started \(build.start)")
            #expect(span.workers == 0)
        }
        let after = try #require(spans["after"])
        #expect(after.start >= build.end)
    }

    @Test("with one worker a wide job runs like any other, with no parallel workers")
    func oneWorker() throws {
        let timeline = Timeline()
        let jobs = [DependencyScheduler.Job(name: "build", dependsOn: [], width: .max) { connection, parallelWorkers in
            let start = Date()
            try connection.execute("SELECT 1")
            timeline.record("build", start, parallelWorkers)
        }]
        try DependencyScheduler(jobs: jobs).run(workers: 1) { try TestServer.pg16.connect() }
        #expect(timeline.spans["build"]?.workers == 0)
    }
}
