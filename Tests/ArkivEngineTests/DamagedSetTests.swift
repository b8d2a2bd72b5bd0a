import ArkivArchive
@testable import ArkivEngine
import ArkivPostgres
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// Every kind of stored file, damaged every way a disk, a copy or a person can: `verify archive`
/// (quick and full) and `restore` refuse with a message naming what is wrong, none crashes, and
/// no restore leaves a database that looks complete.
@Suite("Damaged sets through restore and verify", .serialized)
struct DamagedSetTests {
    enum Damage: String, CaseIterable, CustomStringConvertible {
        case flippedBit, truncatedFile, zeroedRange, swappedChunksResealed, fileFromAnotherSet, fileFromAnotherSetResealed
        case editedManifest, replacedManifest, truncatedManifest, flippedManifestBit, deletedManifest
        case unencryptedFileFromAnotherSet

        var description: String { rawValue }
        var encrypted: Bool { self != .unencryptedFileFromAnotherSet }
    }

    /// Two sets of the same source with the same identity (so a file or manifest of one can be
    /// carried into the other), encrypted and not. Codec none and one job: a member's chunks lie
    /// side by side, so two of them can be swapped.
    final class Sets: @unchecked Sendable {
        let fixture: BackupFixture
        let encrypted: (BackupResult, BackupResult)
        let plain: (BackupResult, BackupResult)
        let repositories: (encrypted: (String, String), plain: (String, String))

        init(source: ConnectionTarget) throws {
            let fixture = try BackupFixture()
            var options = fixture.options(source: source)
            // A set that holds what it refers to (billy.organizations): a scratch restore of it gets past the preflight.
            options.schemas = ["vault", "shared", "billy"]
            options.codec = .none
            options.jobs = 1
            func take(into repository: String) throws -> BackupResult {
                var copy = options
                copy.repository = repository
                return try fixture.backup(copy)
            }
            let root = fixture.repository
            let encrypted = (try take(into: root + "-a"), try take(into: root + "-b"))
            options.encrypt = false
            options.recipients = []
            self.plain = (try take(into: root + "-plain-a"), try take(into: root + "-plain-b"))
            self.encrypted = encrypted
            self.fixture = fixture
            repositories = ((root + "-a", root + "-b"), (root + "-plain-a", root + "-plain-b"))
        }

        deinit {
            for path in [repositories.encrypted.0, repositories.encrypted.1, repositories.plain.0, repositories.plain.1] {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }

    /// A copy of set A's repository with one damage applied; returns the repository and the damaged file's name.
    private func damagedCopy(_ sets: Sets, _ damage: Damage) throws -> (repository: String, file: String) {
        let (a, b) = damage.encrypted ? sets.encrypted : sets.plain
        let (repoA, repoB) = damage.encrypted ? sets.repositories.encrypted : sets.repositories.plain
        let repository = sets.fixture.repository + "-" + damage.rawValue
        try? FileManager.default.removeItem(atPath: repository)
        try FileManager.default.copyItem(atPath: repoA, toPath: repository)
        let entry = try LocalRepository(path: repository).set(a.id.rawValue)
        let sealed = try entry.readManifest()
        let vault = try #require(sealed.manifest.schemas.first { $0.name == "vault" }).file
        let path = entry.filePath(vault)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let manifestURL = URL(fileURLWithPath: entry.manifestPath)
        var manifest = [UInt8](try Data(contentsOf: manifestURL))
        /// A forger holding the key: the file's size and SHA-256 fixed in the manifest, MAC redone.
        func reseal() throws {
            var edited = sealed.manifest
            let index = try #require(edited.files.firstIndex { $0.name == vault })
            edited.files[index].sha256 = Hex.encode(try SHA256.hash(bytes))
            edited.files[index].bytes = UInt64(bytes.count)
            let dataKey = damage.encrypted ? try sealed.open(identities: [sets.fixture.identity]) : nil
            manifest = [UInt8](try ManifestCodec.encode(edited, dataKey: dataKey))
        }
        let other = try LocalRepository(path: repoB).set(b.id.rawValue)
        switch damage {
        case .flippedBit:
            bytes[bytes.count / 3] ^= 0x10
        case .truncatedFile:
            bytes.removeLast(bytes.count / 4)
        case .zeroedRange:
            let start = bytes.count / 2
            bytes.replaceSubrange(start..<start + 4096, with: [UInt8](repeating: 0, count: 4096))
        case .swappedChunksResealed:
            try #require(Self.swapTwoChunks(&bytes), "no two consecutive chunks of one member")
            try reseal()
        case .fileFromAnotherSet:
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: other.filePath(vault))))
        case .fileFromAnotherSetResealed, .unencryptedFileFromAnotherSet:
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: other.filePath(vault))))
            try reseal()
        case .editedManifest:
            let text = String(decoding: manifest, as: UTF8.self)
            let edited = text.replacingOccurrences(of: "\"rows\" : ", with: "\"rows\" : 1")
            try #require(edited != text)
            manifest = Array(edited.utf8)
        case .replacedManifest:
            manifest = [UInt8](try Data(contentsOf: URL(fileURLWithPath: other.manifestPath)))
        case .truncatedManifest:
            manifest.removeLast(manifest.count / 2)
        case .flippedManifestBit:
            // Inside a quoted value (the first SHA-256), so the JSON still parses.
            let text = String(decoding: manifest, as: UTF8.self)
            let range = try #require(text.range(of: "\"sha256\" : \""))
            let offset = text.utf8.distance(from: text.startIndex, to: range.upperBound) + 5
            manifest[offset] = manifest[offset] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        case .deletedManifest:
            break
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if damage == .deletedManifest {
            try FileManager.default.removeItem(at: manifestURL)
        } else {
            try Data(manifest).write(to: manifestURL)
        }
        return (repository, vault)
    }

    /// What each damage must be reported as (a piece of the message), by verify and by restore.
    private func expectedMessage(_ damage: Damage, file: String) -> [String] {
        switch damage {
        case .flippedBit, .zeroedRange: [file, "checksum mismatch"]
        case .truncatedFile: [file, "size mismatch"]
        case .fileFromAnotherSet: [file, "mismatch"]
        case .swappedChunksResealed: [file, "chunk"]
        case .fileFromAnotherSetResealed: [file]
        case .unencryptedFileFromAnotherSet: [file, "does not belong here"]
        case .editedManifest, .flippedManifestBit: ["manifest"]
        case .replacedManifest: ["manifest of backup set", "replaced"]
        case .truncatedManifest: ["not a valid arkiv manifest"]
        case .deletedManifest: ["incomplete"]
        }
    }

    @Test("flipped bits, truncation, zeroed ranges, swapped chunks, foreign files, edited and replaced manifests: refused by verify and restore",
          arguments: [TestServer.pg16])
    func damagedSets(server: TestServer) throws {
        try withScratchDatabase(on: server, template: "workspace") { source in
            let sets = try Sets(source: source)
            for damage in Damage.allCases {
                let (repository, file) = try damagedCopy(sets, damage)
                defer { try? FileManager.default.removeItem(atPath: repository) }
                let id = (damage.encrypted ? sets.encrypted.0 : sets.plain.0).id.rawValue
                let expected = expectedMessage(damage, file: file)
                func matches(_ text: String) -> Bool { expected.allSatisfy { text.contains($0) } }

                // verify archive: the full check always finds it; the quick one whenever the bytes changed.
                for quick in [false, true] {
                    var verifier = ArchiveVerifier(repository: repository, set: id, quick: quick)
                    verifier.identities = [sets.fixture.identity]
                    do {
                        let report = try verifier.run()
                        let text = report.differences.map { "\($0.object) \($0.check) \($0.actual)" }.joined(separator: "\n")
                        let undetectableQuickly: Set<Damage> = [.swappedChunksResealed, .fileFromAnotherSetResealed, .unencryptedFileFromAnotherSet,
                                                                .editedManifest, .flippedManifestBit]
                        if quick && undetectableQuickly.contains(damage) { continue }
                        #expect(!report.passed, "\(damage): verify archive\(quick ? " --quick" : "") passed")
                        #expect(matches(text), "\(damage) quick=\(quick): \(text)")
                    } catch {
                        #expect(matches("\(error)"), "\(damage) quick=\(quick): \(error)")
                    }
                }

                // restore: refused, and no database that looks restored.
                let scratch = "arkiv_damaged_\(UInt32.random(in: 0...UInt32.max))"
                var options = RestoreOptions(repository: repository, set: id, target: try server.target(), destination: .scratch(name: scratch))
                options.identities = [sets.fixture.identity]
                defer { BackupFixture.drop(scratch, on: server) }
                let error = try #require(throws: (any Error).self, "\(damage): the restore succeeded") {
                    try RestoreRunner(options: options, reporter: ProgressReporter(mode: .silent)).run()
                }
                #expect(matches("\(error)"), "\(damage): \(error)")
                let admin = try server.connect()
                let exists = try admin.queryRow("SELECT count(*) AS n FROM pg_catalog.pg_database WHERE datname = $1", [scratch]).decode(Int.self, "n") > 0
                if damage == .swappedChunksResealed {
                    #expect(exists, "this damage passes every check before the target is touched and fails while loading")
                }
                if exists {
                    let marker = try RestoreMarker.read(on: try server.connect(database: scratch))
                    #expect(marker?.state == .incomplete, "\(damage): a failed restore is marked incomplete, found \(String(describing: marker))")
                }
            }
        }
    }

    /// Walks the records (docs/FORMAT.md §2.2) to two consecutive ones of the same member and swaps them.
    static func swapTwoChunks(_ bytes: inout [UInt8]) -> Bool {
        func be(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 << 8 | Int($1) } }
        var offset = 12 + be(10..<12)
        while offset + 21 <= bytes.count {
            let next = offset + 21 + be(offset + 17..<offset + 21)
            guard next + 21 <= bytes.count else { return false }
            let nextLength = 21 + be(next + 17..<next + 21)
            if bytes[offset..<offset + 4] == bytes[next..<next + 4], next + nextLength <= bytes.count {
                let a = Array(bytes[offset..<next]), b = Array(bytes[next..<next + nextLength])
                bytes.replaceSubrange(offset..<next + nextLength, with: b + a)
                return true
            }
            offset = next
        }
        return false
    }
}
