@testable import ArkivEngine
import Foundation
import Testing

/// A seeded smoke run of the policy parser over TOML-shaped noise (issue #9 fuzzes it for
/// real): it must return a policy or throw `PolicyError`, never crash or hang. The C++ parser
/// under TOMLKit asserts on some inputs; those must be stopped before they reach it.
@Suite("policy parser smoke fuzz")
struct PolicyFuzzSmokeTests {
    static let pieces = [
        "[", "]", "[[", "]]", "{", "}", "=", " = ", ",", ".", "\"", "'", "\"\"\"", "'''", "\\", "#", "\n", "\r\n", "\r", " ", "\t",
        "source", "retention", "keep-daily", "schemas", "path", "a", "1", "-1", "1.5", "true", "1979-05-27T07:32:00Z",
        "07:32:00", "0x1F", "inf", "nan", "\u{FEFF}", "\u{00A0}", "\u{2028}", "\u{301}", "é", "\u{7F}", "\u{1}", "\\u0000",
        "postgresql://u:p@h", "password", "[a]\n", "[[a]]\n", "a.b = ", "x = [", "x = {", "y = 1", "\"\"", "''", "[ ", " ]", "[source]\n", "[retention]\n", "keep-daily = 7\n", "x = [\n", "+", "_", "e",
    ]

    @Test("every input kept in Fuzz/corpus/policy (libFuzzer's finds) returns a policy or a PolicyError")
    func corpus() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus/policy").path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(names.count >= 3, "the shipped policies are the seeds")
        var parsed = 0
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
            if (try? Policy.parse(bytes: bytes, fileName: name)) != nil { parsed += 1 }
        }
        #expect(parsed >= 3, "the seeds themselves are valid policies")
    }

    @Test("random TOML-shaped input returns a policy or a PolicyError")
    func noise() {
        let environment = ProcessInfo.processInfo.environment
        var generator = SplitMix64(seed: environment["ARKIV_POLICY_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_A4C1)
        let iterations = environment["ARKIV_POLICY_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 3_000
        for _ in 0..<iterations {
            var text = ""
            for _ in 0..<Int(generator.next() % 24) {
                text += Self.pieces[Int(generator.next() % UInt64(Self.pieces.count))]
            }
            do {
                _ = try Policy.parse(text: text, fileName: "fuzz.toml")
            } catch {
                #expect(!error.issues.isEmpty, "\(text.debugDescription)")
            }
        }
    }

    @Test("the shipped policies with random edits return a policy or a PolicyError")
    func mutations() throws {
        let folder = PolicyTests.root.appendingPathComponent("policies")
        let originals = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".toml") }.sorted()
            .map { Array(try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8).unicodeScalars) }
        let environment = ProcessInfo.processInfo.environment
        var generator = SplitMix64(seed: environment["ARKIV_POLICY_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0xC0FF_EE)
        let iterations = environment["ARKIV_POLICY_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 300
        for _ in 0..<iterations {
            var scalars = originals[Int(generator.next() % UInt64(originals.count))]
            for _ in 0...Int(generator.next() % 4) where !scalars.isEmpty {
                let at = Int(generator.next() % UInt64(scalars.count))
                let piece = Array(Self.pieces[Int(generator.next() % UInt64(Self.pieces.count))].unicodeScalars)
                switch generator.next() % 3 {
                case 0: scalars.insert(contentsOf: piece, at: at)
                case 1: scalars.removeSubrange(at..<min(scalars.count, at + Int(generator.next() % 8) + 1))
                default: scalars.replaceSubrange(at..<min(scalars.count, at + 1), with: piece)
                }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            do {
                _ = try Policy.parse(text: text, fileName: "fuzz.toml")
            } catch {
                #expect(!error.issues.isEmpty, "\(text.debugDescription)")
            }
        }
    }
}

/// A small deterministic generator, so a failure reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
