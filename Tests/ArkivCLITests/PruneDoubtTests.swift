import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// Prune with sets it cannot trust: "when in doubt, keep" must never let the doubtful set decide
/// what happens to the good ones.
@Suite("Prune with doubtful sets")
struct PruneDoubtTests {
    /// Three good nights, then whatever the test plants as the newest "set".
    static func repository() throws -> (SyntheticRepository, [BackupID]) {
        let synthetic = try SyntheticRepository()
        let now = Date()
        let good = try (1...3).reversed().map { try synthetic.addSet(at: now.addingTimeInterval(-Double($0) * 86400)) }
        return (synthetic, good)
    }

    static func plant(_ manifest: Data, in synthetic: SyntheticRepository, id: String) throws {
        let folder = synthetic.path + "/" + id
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try manifest.write(to: URL(fileURLWithPath: folder + "/" + LocalRepository.manifestName))
    }

    static func remaining(_ synthetic: SyntheticRepository) throws -> Set<String> {
        Set(try synthetic.repository.sets(includeIncomplete: true).map(\.id.rawValue))
    }

    @Test("an unreadable newest manifest ({}, [], truncated, another set's) takes no keep-last place: --keep-last 1 keeps the newest good set and the doubtful one")
    func unreadableNewest() throws {
        for kind in ["{}", "[]", "truncated", "another set's"] {
            let (synthetic, good) = try Self.repository()
            let real = try Data(contentsOf: URL(fileURLWithPath: synthetic.path + "/" + good[0].rawValue + "/" + LocalRepository.manifestName))
            let manifest: Data = switch kind {
            case "{}": Data("{}".utf8)
            case "[]": Data("[]".utf8)
            case "truncated": real.prefix(real.count / 2)
            default: real
            }
            let planted = try BackupID(date: Date().addingTimeInterval(-600)).rawValue
            try Self.plant(manifest, in: synthetic, id: planted)
            let prune = try runExecutable("arkiv-prune", ["--repo", synthetic.path, "--keep-last", "1"])
            #expect(prune.status == 0, "\(kind): \(prune.stdout)\(prune.stderr)")
            #expect(try Self.remaining(synthetic) == [good[2].rawValue, planted], "\(kind): \(prune.stdout)")
            #expect(prune.stdout.contains("counted by no rule"), "\(kind): \(prune.stdout)")
        }
    }

    @Test("a folder dated 2099 with a bad manifest anchors nothing: --keep-within 30d keeps every good set; a readable set dated in the future is named and ignored for the anchor")
    func futureSet() throws {
        let (synthetic, good) = try Self.repository()
        try Self.plant(Data("{}".utf8), in: synthetic, id: "20991231T000000Z-aaaaaa")
        let prune = try runExecutable("arkiv-prune", ["--repo", synthetic.path, "--keep-within", "30d"])
        #expect(prune.status == 0, "\(prune.stdout)\(prune.stderr)")
        #expect(try Self.remaining(synthetic) == Set(good.map(\.rawValue) + ["20991231T000000Z-aaaaaa"]), "\(prune.stdout)")

        let future = try synthetic.addSet(at: try #require(CompactTimestamp.date(from: "20980101T000000Z")))
        let again = try runExecutable("arkiv-prune", ["--repo", synthetic.path, "--keep-within", "30d"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(try Self.remaining(synthetic).isSuperset(of: good.map(\.rawValue) + [future.rawValue]), "\(again.stdout)")
        let line = again.stdout.split(separator: "\n").first { $0.hasPrefix(future.rawValue) } ?? ""
        #expect(line.contains("dated in the future"), "\(again.stdout)")
    }

    @Test("when not one manifest can be read, prune removes nothing, not even an expired incomplete set, and exits 1 saying why")
    func nothingReadable() throws {
        let synthetic = try SyntheticRepository()
        for (offset, text) in ["{}", "[]", "not json"].enumerated() {
            try Self.plant(Data(text.utf8), in: synthetic, id: try BackupID(date: Date().addingTimeInterval(-Double(offset + 1) * 86400)).rawValue)
        }
        try synthetic.addIncompleteSet(at: Date().addingTimeInterval(-10 * 86400))
        let before = synthetic.snapshot()
        let prune = try runExecutable("arkiv-prune", ["--repo", synthetic.path, "--keep-last", "1"])
        #expect(prune.status == 1, "\(prune.stdout)\(prune.stderr)")
        #expect(prune.stderr.contains("not one set's manifest") && prune.stderr.contains("nothing was removed"), "\(prune.stderr)")
        #expect(synthetic.snapshot() == before)
    }
}
