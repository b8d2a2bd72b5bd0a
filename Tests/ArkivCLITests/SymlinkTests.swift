import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// Someone who can write into the backup folder plants symbolic links where arkiv writes or
/// deletes (arkiv often runs as root): every one is refused by name, and the file it points at
/// is left exactly as it was.
@Suite("Symbolic links in a repository")
struct SymlinkTests {
    /// A file outside the repository that a link points at, and its bytes.
    struct Victim {
        let path: String
        let bytes = Data("precious: must never be truncated, overwritten or deleted\n".utf8)

        init(_ name: String) throws {
            path = Fault.temporaryPath("victim-" + name)
            try bytes.write(to: URL(fileURLWithPath: path))
        }

        var untouched: Bool { FileManager.default.contents(atPath: path) == bytes }
    }

    static func link(_ at: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: at, withDestinationPath: target)
    }

    @Test("a link at REPO/lock: backup, prune and pin refuse it by name and leave its target whole")
    func lockLink() throws {
        let synthetic = try SyntheticRepository()
        let set = try synthetic.addSet(at: Date().addingTimeInterval(-86400))
        let victim = try Victim("lock")
        try Self.link(synthetic.path + "/lock", to: victim.path)
        for arguments in [["arkiv-prune", "--repo", synthetic.path, "--keep-last", "1"], ["arkiv", "pin", set.rawValue, "--repo", synthetic.path],
                          ["arkiv-backup", "--repo", synthetic.path, "--no-encryption", "--source", "postgresql://127.0.0.1:1/none"]] {
            let outcome = try runExecutable(arguments[0], Array(arguments.dropFirst()))
            #expect(outcome.status == 1, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.contains(synthetic.path + "/lock") && outcome.stderr.contains("symbolic link"), "\(arguments): \(outcome.stderr)")
            #expect(victim.untouched, "\(arguments) wrote through the link")
        }
    }

    @Test("a link at leases/<id>, or leases/ itself a link: a reader refuses it by name, nothing is written through it")
    func leaseLinks() throws {
        let synthetic = try SyntheticRepository()
        let set = try synthetic.addSet(at: Date().addingTimeInterval(-86400))
        let victim = try Victim("lease")
        try FileManager.default.createDirectory(atPath: synthetic.path + "/leases", withIntermediateDirectories: false)
        try Self.link(synthetic.path + "/leases/" + set.rawValue, to: victim.path)
        let verify = try runExecutable("arkiv-verify", ["archive", set.rawValue, "--repo", synthetic.path, "--quick"])
        #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stderr.contains("leases/" + set.rawValue) && verify.stderr.contains("symbolic link"), "\(verify.stderr)")
        #expect(victim.untouched)

        let outside = Fault.temporaryPath("outside-leases")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: false)
        try FileManager.default.removeItem(atPath: synthetic.path + "/leases")
        try Self.link(synthetic.path + "/leases", to: outside)
        let again = try runExecutable("arkiv-verify", ["archive", set.rawValue, "--repo", synthetic.path, "--quick"])
        #expect(again.status == 1, "\(again.stdout)\(again.stderr)")
        #expect(again.stderr.contains(synthetic.path + "/leases is not a plain directory"), "\(again.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    @Test("links at verifications/ and pins/: prune removing a set deletes nothing outside the repository; a linked pins/ keeps every set, named, and pin refuses it")
    func recordFolderLinks() throws {
        let synthetic = try SyntheticRepository()
        let old = try synthetic.addSet(at: Date().addingTimeInterval(-3 * 86400))
        let middle = try synthetic.addSet(at: Date().addingTimeInterval(-2 * 86400))
        try synthetic.addSet(at: Date().addingTimeInterval(-86400))
        // Files outside, named as the old sets' records would be.
        let outside = Fault.temporaryPath("outside-records")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: false)
        let planted = [old, middle].flatMap { ["20260101T000000Z-00000000-\($0.rawValue).json", "\($0.rawValue).json"] }
        for name in planted { try Data("someone else's file".utf8).write(to: URL(fileURLWithPath: outside + "/" + name)) }
        try Self.link(synthetic.path + "/verifications", to: outside)

        let prune = try runExecutable("arkiv-prune", ["--repo", synthetic.path, "--keep-last", "2"])
        #expect(prune.status == 0, "\(prune.stdout)\(prune.stderr)")
        #expect(!FileManager.default.fileExists(atPath: synthetic.path + "/" + old.rawValue), "the old set went: \(prune.stdout)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: outside)) == Set(planted), "nothing outside was deleted")

        // pins/ a link: no pin can be read, so nothing is removed for want of one, and it says why.
        try Self.link(synthetic.path + "/pins", to: outside)
        let kept = try runExecutable("arkiv-prune", ["--repo", synthetic.path, "--keep-last", "1"])
        #expect(kept.status == 0, "\(kept.stdout)\(kept.stderr)")
        #expect(FileManager.default.fileExists(atPath: synthetic.path + "/" + middle.rawValue), "\(kept.stdout)")
        #expect(kept.stdout.contains("pins is not a plain directory"), "\(kept.stdout)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: outside)) == Set(planted))

        let pin = try runExecutable("arkiv", ["pin", "latest", "--repo", synthetic.path])
        #expect(pin.status == 1)
        #expect(pin.stderr.contains(synthetic.path + "/pins is not a plain directory"), "\(pin.stderr)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: outside)) == Set(planted))
    }

    @Test("a repository this user may not read says permission denied, not a raw error code")
    func unreadableRepository() throws {
        let synthetic = try SyntheticRepository()
        try synthetic.addSet(at: Date().addingTimeInterval(-86400))
        chmod(synthetic.path, 0o000)
        defer { chmod(synthetic.path, 0o700) }
        let list = try runProgram("/usr/bin/setpriv", ["--bounding-set=-dac_override,-dac_read_search,-fowner",
                                                       try executableURL("arkiv").path, "list", "--repo", synthetic.path])
        #expect(list.status == 1)
        #expect(list.stderr.contains("permission denied") && list.stderr.contains(synthetic.path), "\(list.stderr)")
        #expect(!list.stderr.contains("Unknown error"), "\(list.stderr)")
    }
}
