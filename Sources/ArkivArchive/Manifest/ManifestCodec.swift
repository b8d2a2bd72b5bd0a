import Foundation

/// Turns a manifest into the bytes of `manifest.json` and back, with its authentication.
///
/// The file is ordinary JSON whose first member is the MAC, at a fixed place:
/// `{"mac":"` (8 bytes), 64 hex digits (bytes 8–71), `",` and then the other members. The MAC is
/// HMAC-SHA256 under a key derived from the set's data key, over the whole file with those 64
/// digits replaced by ASCII `0`. So an independent reader needs no canonical JSON: it checks
/// exactly the bytes it read. An unencrypted set has no key: its "MAC" is a plain SHA-256 of the
/// same bytes, which catches damage but not a deliberate edit (FORMAT.md §8).
public enum ManifestCodec {
    static let prefix = Array(#"{"mac":""#.utf8)
    static let macRange = 8..<72
    static let macKeyInfo = Array("arkiv v1 manifest".utf8)
    /// A manifest is metadata: anything larger is not one of ours, and is not parsed.
    public static let maximumSize = 64 << 20

    /// The file's bytes. `dataKey` is required for an encrypted set and must be nil otherwise.
    public static func encode(_ manifest: Manifest, dataKey: DataKey?) throws(ArchiveError) -> Data {
        guard (dataKey != nil) == manifest.encryption.isEncrypted else {
            throw .invalidUse(dataKey == nil ? "an encrypted set's manifest needs its data key" : "an unencrypted set has no data key")
        }
        let body: Data
        do {
            body = try encoder.encode(manifest)
        } catch {
            throw .invalidUse("manifest encoding failed: \(error)")
        }
        // Body is `{…}`; splice the MAC member in front of its first member.
        guard body.first == UInt8(ascii: "{"), body.count > 2 else { throw .invalidUse("manifest encoded to an empty object") }
        var bytes = prefix + [UInt8](repeating: UInt8(ascii: "0"), count: 64) + Array(#"","#.utf8)
        bytes += body.dropFirst()
        bytes += [UInt8(ascii: "\n")]
        let mac = try authenticator(for: bytes, manifest: manifest, dataKey: dataKey)
        bytes.replaceSubrange(macRange, with: Array(Hex.encode(mac).utf8))
        return Data(bytes)
    }

    /// Parses a manifest without checking its MAC (that needs the data key): enough to list a
    /// set, and to find whom its data key is wrapped for. Call `verify` before trusting it.
    public static func decode(_ data: Data, file: String) throws(ArchiveError) -> SealedManifest {
        guard data.count <= maximumSize else {
            throw .invalidManifest(file: file, detail: "\(data.count) bytes, more than a manifest can be")
        }
        let bytes = [UInt8](data)
        // Lowercase only: accepting "AB" for "ab" would let the file change without the MAC noticing.
        let lowercaseHex = bytes.count > macRange.upperBound
            && bytes[macRange].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        guard lowercaseHex, bytes.count > macRange.upperBound + 2, Array(bytes[0..<prefix.count]) == prefix,
              let mac = Hex.decode(String(decoding: bytes[macRange], as: UTF8.self)), mac.count == 32,
              bytes[macRange.upperBound] == UInt8(ascii: "\""), bytes[macRange.upperBound + 1] == UInt8(ascii: ",")
        else {
            throw .invalidManifest(file: file, detail: #"it must start with {"mac":"<64 hex digits>","#)
        }
        let manifest: Manifest
        do {
            manifest = try decoder.decode(Manifest.self, from: data)
        } catch {
            throw .invalidManifest(file: file, detail: describe(error))
        }
        guard manifest.formatVersion <= Manifest.formatVersion else {
            throw .invalidManifest(file: file, detail: "format version \(manifest.formatVersion) is newer than this arkiv reads (\(Manifest.formatVersion)); use a newer arkiv")
        }
        guard manifest.formatVersion >= 1 else {
            throw .invalidManifest(file: file, detail: "format version \(manifest.formatVersion) does not exist")
        }
        return SealedManifest(manifest: manifest, file: file, bytes: bytes, mac: mac)
    }

    static func authenticator(for bytes: [UInt8], manifest: Manifest, dataKey: DataKey?) throws(ArchiveError) -> [UInt8] {
        var zeroed = bytes
        zeroed.replaceSubrange(macRange, with: [UInt8](repeating: UInt8(ascii: "0"), count: 64))
        guard let dataKey else { return try SHA256.hash(zeroed) }
        let key = try HKDF.sha256(ikm: dataKey.secret, salt: manifest.setID.bytes, info: macKeyInfo, length: 32)
        return try HMACSHA256.authenticationCode(for: zeroed, key: key)
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "malformed JSON" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \(path(context)).\(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "wrong type at \(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context): return "malformed at \(path(context).isEmpty ? "top level" : path(context)): \(context.debugDescription)"
        @unknown default: return "malformed JSON"
        }
    }
}

/// A parsed manifest whose authentication has not been checked yet.
public struct SealedManifest: Sendable {
    /// The content. Until `verify` succeeded, treat it as a claim, not a fact.
    public let manifest: Manifest
    public let file: String
    let bytes: [UInt8]
    let mac: [UInt8]

    /// Checks the MAC with the set's data key (nil for an unencrypted set).
    public func verify(dataKey: DataKey?) throws(ArchiveError) {
        if manifest.encryption.isEncrypted && dataKey == nil { throw .dataKeyRequired(file: file) }
        let expected = try ManifestCodec.authenticator(for: bytes, manifest: manifest, dataKey: manifest.encryption.isEncrypted ? dataKey : nil)
        guard constantTimeEqual(expected, mac) else { throw .manifestAuthenticationFailed(file: file) }
    }

    /// Unwraps the set's data key with an identity or passphrase, then verifies the manifest
    /// with it. Returns nil for an unencrypted set (after checking its checksum).
    public func open(identities: [Identity], passphrase: SecureBytes? = nil) throws(ArchiveError) -> DataKey? {
        guard manifest.encryption.isEncrypted else {
            try verify(dataKey: nil)
            return nil
        }
        let dataKey = try KeyWrap.unwrap(manifest.encryption.keys, identities: identities, passphrase: passphrase)
        try verify(dataKey: dataKey)
        return dataKey
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
