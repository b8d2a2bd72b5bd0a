@testable import ArkivArchive
import Foundation
import Testing

@Suite("Keys, recipients, identities and key wrapping")
struct KeyTests {
    static let fastScrypt = KeyWrap.ScryptParameters(logN: 10, r: 8, p: 1)

    @Test("recipient text form and key id")
    func recipientEncoding() throws {
        let identity = try Identity.generate()
        let text = identity.recipient.description
        #expect(text.hasPrefix("arkiv1pub-") && text.count == 10 + 48, "the key and a 4-byte checksum")
        #expect(try Recipient(text) == identity.recipient)
        #expect(try Recipient("  \(text)\n") == identity.recipient)
        #expect(identity.keyID.description.count == 16)
        #expect(identity.keyID.bytes == Array(try SHA256.hash(identity.recipient.publicKey).prefix(8)))
        #expect(throws: ArchiveError.self) { _ = try Recipient("arkiv1pub-AAAA") }
        #expect(throws: ArchiveError.self) { _ = try Recipient("age1" + text.dropFirst(10)) }
        #expect(!identity.description.contains(Base64URL.encode(identity.privateKey.copyBytes())))
    }

    @Test("identity file: written 0600 with O_EXCL, loads back, comments ignored")
    func identityFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("id.key")
        let identity = try Identity.generate()
        try identity.write(to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = String(decoding: fileBytes(path), as: UTF8.self)
        #expect(text.contains("# recipient: \(identity.recipient)"))
        #expect(text.contains("\nARKIV-IDENTITY-1-"))
        let loaded = try Identity.load(path: path)
        #expect(loaded.recipient == identity.recipient)
        #expect(loaded.privateKey.isEqual(to: identity.privateKey))
        #expect(loaded.source == path)
        #expect(throws: ArchiveError.self) { try identity.write(to: path) }   // never overwrites
    }

    @Test("identity file readable by group or others is refused, with the fix in the message")
    func insecureIdentityFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("open.key")
        try Identity.generate().write(to: path)
        chmod(path, 0o644)
        do {
            _ = try Identity.load(path: path)
            Issue.record("a 0644 identity file was accepted")
        } catch {
            #expect(error == .insecureIdentityFile(path: path, mode: UInt32(S_IFREG) | 0o644))
            #expect(error.description.contains("chmod 600 \(path)"))
        }
    }

    @Test("malformed identity files are refused")
    func malformedIdentity() throws {
        let directory = TemporaryDirectory()
        for (index, text) in ["", "# only comments\n", "ARKIV-IDENTITY-1-AAAA\n", "garbage\n",
                              "ARKIV-IDENTITY-1-\(Base64URL.encode([UInt8](repeating: 1, count: 32)))\n".repeated(2)].enumerated() {
            let path = directory.file("bad\(index).key")
            try writeFile(path, Array(text.utf8))
            chmod(path, 0o600)
            #expect(throws: ArchiveError.self) { _ = try Identity.load(path: path) }
        }
    }

    @Test("data key wrapped for several recipients and a passphrase unwraps with each")
    func wrapAndUnwrap() throws {
        let alice = try Identity.generate()
        let bob = try Identity.generate()
        let dataKey = try DataKey.generate()
        let passphrase = SecureBytes(utf8: "correct horse battery staple")
        let wrapped = try KeyWrap.wrap(dataKey, for: [alice.recipient, bob.recipient], passphrase: passphrase, scrypt: Self.fastScrypt)
        #expect(wrapped.map(\.type) == [.x25519, .x25519, .scrypt])
        #expect(wrapped[0].keyId == alice.keyID.description)

        // Stored as JSON in the manifest: survive a round trip.
        let decoded = try JSONDecoder().decode([WrappedKey].self, from: JSONEncoder().encode(wrapped))
        #expect(decoded == wrapped)
        for identities in [[alice], [bob], [try Identity.generate(), bob]] {
            #expect(try KeyWrap.unwrap(decoded, identities: identities).secret.isEqual(to: dataKey.secret))
        }
        #expect(try KeyWrap.unwrap(decoded, identities: [], passphrase: passphrase).secret.isEqual(to: dataKey.secret))
    }

    @Test("a set wrapped before the one passphrase rule, for a passphrase with its line ending, opens with the passphrase alone")
    func passphraseWithLineEnding() throws {
        let dataKey = try DataKey.generate()
        for ending in ["\n", "\r\n"] {
            let wrapped = try KeyWrap.wrap(dataKey, for: [], passphrase: SecureBytes(utf8: "staple" + ending), scrypt: Self.fastScrypt)
            #expect(try KeyWrap.unwrap(wrapped, identities: [], passphrase: SecureBytes(utf8: "staple")).secret.isEqual(to: dataKey.secret))
            #expect(throws: ArchiveError.self) { _ = try KeyWrap.unwrap(wrapped, identities: [], passphrase: SecureBytes(utf8: "stapler")) }
        }
    }

    @Test("a wrong identity gets an error naming the set's key ids and the given key id")
    func wrongIdentity() throws {
        let alice = try Identity.generate()
        let bob = try Identity.generate()
        let wrapped = try KeyWrap.wrap(try DataKey.generate(), for: [alice.recipient, bob.recipient],
                                       passphrase: SecureBytes(utf8: "pw"), scrypt: Self.fastScrypt)
        let directory = TemporaryDirectory()
        let path = directory.file("mallory.key")
        try Identity.generate().write(to: path)
        let mallory = try Identity.load(path: path)
        do {
            _ = try KeyWrap.unwrap(wrapped, identities: [mallory])
            Issue.record("an identity that is not a recipient unwrapped the key")
        } catch {
            guard case .notARecipient(let encryptedTo, let passphraseWrapped, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(encryptedTo == [alice.keyID.description, bob.keyID.description])
            #expect(passphraseWrapped)
            let message = error.description
            #expect(message.contains("encrypted to keys \(alice.keyID), \(bob.keyID) and a passphrase"))
            #expect(message.contains("identity \(path) has key \(mallory.keyID): not a recipient"))
            #expect(message.contains("--passphrase-file"))
        }
        #expect(throws: ArchiveError.self) {
            _ = try KeyWrap.unwrap(wrapped, identities: [], passphrase: SecureBytes(utf8: "wrong"))
        }
    }

    @Test("a modified wrapped key does not unwrap")
    func tamperedWrappedKey() throws {
        let alice = try Identity.generate()
        let wrapped = try KeyWrap.wrap(try DataKey.generate(), for: alice.recipient)
        var json = try #require(String(data: JSONEncoder().encode(wrapped), encoding: .utf8))
        let sealed = wrapped.sealed
        var bytes = try #require(Data(base64Encoded: sealed))
        bytes[5] ^= 0x40
        json = json.replacingOccurrences(of: sealed.replacingOccurrences(of: "/", with: "\\/"), with: bytes.base64EncodedString().replacingOccurrences(of: "/", with: "\\/"))
        let tampered = try JSONDecoder().decode(WrappedKey.self, from: Data(json.utf8))
        #expect(tampered != wrapped)
        #expect(throws: ArchiveError.self) { _ = try KeyWrap.unwrap([tampered], identities: [alice]) }
    }
}

extension String {
    func repeated(_ count: Int) -> String { String(repeating: self, count: count) }
}
