@testable import ArkivArchive
import Foundation
import Testing

@Suite("Tampering and damage are detected")
struct TamperTests {
    /// A small archive: three members, 256-byte chunks, so a few KB hold many records.
    struct Sample {
        let directory = TemporaryDirectory()
        let path: String
        let key: DataKey
        let setID: BackupSetID
        let members: [MemberFixture]
        let bytes: [UInt8]

        init(encrypted: Bool = true, codec: Codec = .zstd(level: 3), setID: BackupSetID? = nil, key: DataKey? = nil,
             fileName: String = "vault.arkiv", seed: UInt64 = 5) throws {
            var generator = SeededGenerator(seed: seed)
            self.key = try key ?? DataKey.generate()
            self.setID = try setID ?? BackupSetID.generate()
            members = [
                MemberFixture(kind: .preData, name: "pre", bytes: Array("CREATE TABLE vault.t (id int);".utf8)),
                MemberFixture(kind: .data, name: "vault.t", bytes: generator.bytes(900)),
                MemberFixture(kind: .postData, name: "post", bytes: []),
            ]
            path = directory.file(fileName)
            try writeArchive(at: path, fileName: fileName, setID: self.setID, encryption: encrypted ? .aes256GCM(self.key) : .none,
                             codec: codec, chunkSize: 256, members: members, interleave: true, generator: &generator)
            bytes = fileBytes(path)
        }

        var expected: [String: [UInt8]] { Dictionary(uniqueKeysWithValues: members.map { ($0.name, $0.bytes) }) }

        /// Opens `bytes` as an archive and reads it both ways; returns the error, or nil if it all read back.
        func readError(_ bytes: [UInt8], encrypted: Bool = true) throws -> ArchiveError? {
            let path = directory.file("mutated.arkiv")
            try writeFile(path, bytes)
            do throws(ArchiveError) {
                let reader = try ArchiveReader(path: path, dataKey: encrypted ? key : nil)
                let scanned = try scanMembers(reader)
                let read = try readMembers(reader)
                #expect(scanned == expected && read == expected, "a modified archive returned different data without an error")
                return nil
            } catch {
                return error
            }
        }
    }

    @Test("every single-bit flip is an error", arguments: [true, false])
    func everyBitFlip(encrypted: Bool) throws {
        let sample = try Sample(encrypted: encrypted)
        #expect(sample.bytes.count > 1500)
        let path = sample.directory.file("flip.arkiv")
        try writeFile(path, sample.bytes)
        let descriptor = open(path, O_RDWR)
        defer { close(descriptor) }
        var undetected: [Int] = []
        for bit in 0..<sample.bytes.count * 8 {
            // Flip in place and back: far cheaper than rewriting the file 20 000 times.
            var byte = sample.bytes[bit / 8] ^ UInt8(1 << (bit % 8))
            pwrite(descriptor, &byte, 1, off_t(bit / 8))
            do throws(ArchiveError) {
                let reader = try ArchiveReader(path: path, dataKey: encrypted ? sample.key : nil)
                _ = try scanMembers(reader)
                _ = try readMembers(reader)
                undetected.append(bit)
            } catch {
                #expect(!error.description.isEmpty)
            }
            byte = sample.bytes[bit / 8]
            pwrite(descriptor, &byte, 1, off_t(bit / 8))
        }
        #expect(undetected.isEmpty, "undetected bit flips at \(undetected.prefix(10))")
    }

    @Test("truncation at sampled points is an error")
    func truncation() throws {
        let sample = try Sample()
        var points = Array(stride(from: 0, to: sample.bytes.count, by: 37)) + [sample.bytes.count - 1, sample.bytes.count - 24, 12]
        points += recordSpans(sample.bytes).map(\.offset)   // cut exactly between records
        for point in points {
            let error = try sample.readError(Array(sample.bytes.prefix(point)))
            #expect(error != nil, "truncation at \(point) was not detected")
        }
        if case .truncated = try sample.readError(Array(sample.bytes.dropLast(100))) {} else {
            Issue.record("a file missing its end should report truncation")
        }
    }

    @Test("swapped records of one member are detected, with or without fixing their headers")
    func swappedChunks() throws {
        let sample = try Sample(codec: .none)   // equal-length records, so swaps keep offsets
        let spans = recordSpans(sample.bytes).filter { $0.memberID == 1 }
        let (first, second) = (spans[0], spans[1])
        #expect(first.length == second.length)

        var swapped = sample.bytes
        swapped.replaceSubrange(first.offset..<first.offset + first.length, with: sample.bytes[second.offset..<second.offset + second.length])
        swapped.replaceSubrange(second.offset..<second.offset + second.length, with: sample.bytes[first.offset..<first.offset + first.length])
        #expect(try sample.readError(swapped) != nil)

        // Keep the clear headers in place and swap only the sealed payloads: the AEAD catches it.
        var payloadSwap = sample.bytes
        let header = 21
        payloadSwap.replaceSubrange(first.offset + header..<first.offset + first.length,
                                    with: sample.bytes[second.offset + header..<second.offset + second.length])
        payloadSwap.replaceSubrange(second.offset + header..<second.offset + second.length,
                                    with: sample.bytes[first.offset + header..<first.offset + first.length])
        guard case .authenticationFailed(_, let member, let offset) = try sample.readError(payloadSwap) else {
            Issue.record("payload swap not reported as an authentication failure")
            return
        }
        #expect(member == "vault.t" && offset == UInt64(first.offset))
    }

    @Test("a record copied from another file of the same set, or from another set, does not authenticate")
    func splicedChunks() throws {
        let sample = try Sample(codec: .none)
        let sameSetOtherFile = try Sample(codec: .none, setID: sample.setID, key: sample.key, fileName: "billy.arkiv", seed: 6)
        let otherSetSameName = try Sample(codec: .none, key: sample.key, seed: 7)
        for donor in [sameSetOtherFile, otherSetSameName] {
            let target = recordSpans(sample.bytes)[3]
            let source = try #require(recordSpans(donor.bytes).first {
                $0.memberID == target.memberID && $0.sequence == target.sequence
            })
            #expect(source.length == target.length)
            var spliced = sample.bytes
            spliced.replaceSubrange(target.offset..<target.offset + target.length,
                                    with: donor.bytes[source.offset..<source.offset + source.length])
            guard case .authenticationFailed(_, _, let offset) = try sample.readError(spliced) else {
                Issue.record("spliced record was not reported as an authentication failure")
                continue
            }
            #expect(offset == UInt64(target.offset))
        }
    }

    @Test("a dropped record is detected even when the footer is rewritten to match")
    func droppedChunk() throws {
        let sample = try Sample()
        let dropped = recordSpans(sample.bytes).first { $0.memberID == 1 && $0.sequence == 1 }
        let span = try #require(dropped)
        var bytes = sample.bytes
        bytes.removeSubrange(span.offset..<span.offset + span.length)
        #expect(try sample.readError(bytes) != nil)
        // An attacker can rewrite the unauthenticated footer: the authenticated index still disagrees.
        var reader = ByteReader(bytes, position: bytes.count - 16)
        let statedIndexOffset = reader.readUInt64()
        let indexOffset = try #require(statedIndexOffset) - UInt64(span.length)
        var footer = ByteWriter()
        footer.append(indexOffset)
        footer.append(UInt64(bytes.count))
        bytes.replaceSubrange(bytes.count - 16..<bytes.count, with: footer.bytes)
        guard case .indexMismatch(_, let member, _) = try #require(try sample.readError(bytes)) else {
            Issue.record("a dropped record with a rewritten footer was not reported as an index mismatch")
            return
        }
        #expect(["pre", "vault.t", "post"].contains(member))
    }

    @Test("wrong data key, missing key, plaintext file where encryption is expected, newer version")
    func keyAndVersionErrors() throws {
        let sample = try Sample()
        do {
            _ = try ArchiveReader(path: sample.path, dataKey: try DataKey.generate())
            Issue.record("a wrong data key opened the archive")
        } catch {
            guard case .authenticationFailed(sample.path, "index", _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
        #expect(throws: ArchiveError.dataKeyRequired(file: sample.path)) { _ = try ArchiveReader(path: sample.path, dataKey: nil) }
        let plain = try Sample(encrypted: false)
        #expect(throws: ArchiveError.self) { _ = try ArchiveReader(path: plain.path, dataKey: plain.key) }

        var newer = sample.bytes
        newer[9] = 2
        let error = try #require(try sample.readError(newer))
        #expect(error == .unsupportedVersion(file: sample.directory.file("mutated.arkiv"), found: 2, supported: 1))
        #expect(error.description.contains("use a newer arkiv"))
        #expect(try sample.readError(Array("not an archive at all".utf8)) == .badMagic(file: sample.directory.file("mutated.arkiv")))
    }

    @Test("hostile lengths in a record header are refused before any allocation")
    func hostileLengths() throws {
        let sample = try Sample(encrypted: false)
        let span = recordSpans(sample.bytes)[0]
        for (field, value) in [(13, UInt32.max), (17, UInt32.max), (17, UInt32(3))] {
            var bytes = sample.bytes
            withUnsafeBytes(of: value.bigEndian) { bytes.replaceSubrange(span.offset + field..<span.offset + field + 4, with: $0) }
            guard case .corruptChunk = try #require(try sample.readError(bytes, encrypted: false)) else {
                Issue.record("length \(value) at field \(field) not reported as a corrupt chunk")
                continue
            }
        }
    }
}
