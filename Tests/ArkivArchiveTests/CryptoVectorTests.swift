@testable import ArkivArchive
import Testing

@Suite("Crypto primitives against published vectors")
struct CryptoVectorTests {
    @Test("SHA-256 of \"abc\" (FIPS 180-2)")
    func sha256() throws {
        #expect(try SHA256.hash(Array("abc".utf8)) == hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        // Streaming in pieces gives the same digest, and the hasher is reusable after finalize.
        let hasher = try SHA256()
        try hasher.update(Array("a".utf8))
        try hasher.update(Array("bc".utf8))
        #expect(try hasher.finalize() == hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        #expect(try hasher.finalize() == hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
    }

    @Test("HMAC-SHA-256 (RFC 4231 test case 2)")
    func hmac() throws {
        let code = try HMACSHA256.authenticationCode(for: Array("what do ya want for nothing?".utf8), key: secure(Array("Jefe".utf8)))
        #expect(code == hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"))
    }

    @Test("HKDF-SHA-256 (RFC 5869 test case 1)")
    func hkdf() throws {
        let okm = try HKDF.sha256(
            ikm: secure([UInt8](repeating: 0x0B, count: 22)), salt: hex("000102030405060708090a0b0c"),
            info: hex("f0f1f2f3f4f5f6f7f8f9"), length: 42)
        #expect(okm.copyBytes() == hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"))
    }

    @Test("X25519 (RFC 7748 §6.1)")
    func x25519() throws {
        let alicePrivate = secure(hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        let bobPrivate = secure(hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
        let alicePublic = try X25519.publicKey(for: alicePrivate)
        let bobPublic = try X25519.publicKey(for: bobPrivate)
        #expect(alicePublic == hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"))
        #expect(bobPublic == hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"))
        let shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
        #expect(try X25519.sharedSecret(privateKey: alicePrivate, peerPublicKey: bobPublic).copyBytes() == shared)
        #expect(try X25519.sharedSecret(privateKey: bobPrivate, peerPublicKey: alicePublic).copyBytes() == shared)
    }

    @Test("X25519 refuses a low-order peer key")
    func x25519LowOrder() throws {
        let key = try X25519.generatePrivateKey()
        #expect(throws: ArchiveError.self) {
            _ = try X25519.sharedSecret(privateKey: key, peerPublicKey: [UInt8](repeating: 0, count: 32))
        }
    }

    @Test("scrypt (RFC 7914 §12)")
    func scrypt() throws {
        let empty = try Scrypt.derive(passphrase: secure([]), salt: [], logN: 4, r: 1, p: 1, length: 64)
        #expect(empty.copyBytes() == hex(
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"))
        let password = try Scrypt.derive(
            passphrase: SecureBytes(utf8: "password"), salt: Array("NaCl".utf8), logN: 10, r: 8, p: 16, length: 64)
        #expect(password.copyBytes() == hex(
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"))
    }

    @Test("scrypt refuses parameters that would exhaust memory")
    func scryptBounds() {
        #expect(throws: ArchiveError.self) {
            _ = try Scrypt.derive(passphrase: SecureBytes(utf8: "x"), salt: [], logN: 40, r: 8, p: 1)
        }
        #expect(throws: ArchiveError.self) {
            _ = try Scrypt.derive(passphrase: SecureBytes(utf8: "x"), salt: [], logN: 20, r: 32, p: 1)
        }
    }

    @Test("AES-256-GCM (GCM spec test cases 13, 14, 16)")
    func aesGCM() throws {
        let zeroKey = secure([UInt8](repeating: 0, count: 32))
        let zeroNonce = [UInt8](repeating: 0, count: 12)
        #expect(try AESGCM.seal([], key: zeroKey, nonce: zeroNonce, aad: []) == hex("530f8afbc74536b9a963b4f1c4cb738b"))
        #expect(try AESGCM.seal([UInt8](repeating: 0, count: 16), key: zeroKey, nonce: zeroNonce, aad: [])
            == hex("cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919"))

        let key = secure(hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"))
        let plaintext = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
        let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        let nonce = hex("cafebabefacedbaddecaf888")
        let expected = hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
            + "76fc6ece0f4e1768cddf8853bb2d551b")
        let sealed = try AESGCM.seal(plaintext, key: key, nonce: nonce, aad: aad)
        #expect(sealed == expected)
        #expect(try AESGCM.open(sealed, key: key, nonce: nonce, aad: aad)?.copyBytes() == plaintext)

        var tampered = sealed
        tampered[3] ^= 1
        #expect(try AESGCM.open(tampered, key: key, nonce: nonce, aad: aad) == nil)
        #expect(try AESGCM.open(sealed, key: key, nonce: nonce, aad: aad + [0]) == nil)
    }

    @Test("AES-GCM context is reusable across nonces and directions, in place")
    func aesGCMReuse() throws {
        let cipher = try AESGCM(key: SecureRandom.secureBytes(32))
        var generator = SeededGenerator(seed: 7)
        for round in 0..<20 {
            let message = generator.bytes(round * 37)
            var buffer = message + [UInt8](repeating: 0, count: 16)
            let nonce = [UInt8](repeating: UInt8(round), count: 12)
            try buffer.withMutableBytes { (buffer) throws(ArchiveError) in
                let input = UnsafeRawBufferPointer(rebasing: buffer[0..<message.count])
                try nonce.withBytes { (nonce) throws(ArchiveError) in
                    try cipher.seal(input, into: buffer, nonce: nonce, aad: UnsafeRawBufferPointer(start: nil, count: 0))
                    let ok = try cipher.open(UnsafeRawBufferPointer(buffer), into: buffer, nonce: nonce, aad: UnsafeRawBufferPointer(start: nil, count: 0))
                    #expect(ok)
                }
            }
            #expect(Array(buffer.prefix(message.count)) == message)
        }
    }

    @Test("secrets never print their bytes")
    func secretDescription() throws {
        let key = secure(Array("super secret".utf8))
        #expect(!String(describing: key).contains("super"))
        #expect(String(describing: key) == "SecureBytes(12 bytes, redacted)")
    }

    @Test("base64url round trip and strictness")
    func base64url() {
        var generator = SeededGenerator(seed: 1)
        for count in 0..<40 {
            let bytes = generator.bytes(count)
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.decode("AB") == nil)    // non-zero trailing bits
        #expect(Base64URL.decode("A") == nil)
        #expect(Base64URL.decode("AA==") == nil)
        #expect(Base64URL.decode("Zm9v") == Array("foo".utf8))
    }
}
