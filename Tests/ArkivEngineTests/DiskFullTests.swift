@testable import ArkivEngine
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

@Suite("Disk full")
struct DiskFullTests {
    /// Needs root (CI runs as root) for a small tmpfs; a test that cannot mount fails, it does
    /// not skip.
    @Test("a repository that fills up fails the backup cleanly: disk full said, nothing kept, space freed", arguments: [TestServer.pg16])
    func repositoryFull(server: TestServer) throws {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-full-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint])
        try #require(mount.status == 0, "mounting a tmpfs needs root: \(mount.stderr)")
        defer {
            _ = try? runProgram("/bin/umount", [mountPoint])
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        try withScratchDatabase(on: server, template: "workspace") { source in
            var options = BackupOptions(source: source, repository: mountPoint + "/repo")
            options.encrypt = false
            options.codec = .none
            let error = try #require(throws: (any Error).self) {
                try BackupRunner(options: options, reporter: ProgressReporter(mode: .silent)).run()
            }
            #expect("\(error)".contains("disk full"), "\(error)")
            let repository = try LocalRepository(path: mountPoint + "/repo")
            #expect(try repository.sets(includeIncomplete: true).isEmpty)
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: mountPoint + "/repo").filter { $0 != "lock" }
            #expect(leftovers.isEmpty, "\(leftovers)")
            // The space is really given back (no file kept open and unlinked, nothing hidden).
            var usage = statvfs()
            try #require(statvfs(mountPoint, &usage) == 0)
            let used = (Int(usage.f_blocks) - Int(usage.f_bfree)) * Int(usage.f_frsize)
            #expect(used <= 16 << 10, "\(used) bytes still used on the repository's file system")
        }
    }
}
