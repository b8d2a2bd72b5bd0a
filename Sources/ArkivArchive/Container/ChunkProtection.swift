/// Seals and opens chunk payloads in place: AES-256-GCM under the file subkey, or for cipher none a
/// truncated SHA-256 tag. Nonce = member id ‖ sequence (the first 12 record-header bytes);
/// AAD = SHA-256(file header) ‖ member id ‖ sequence ‖ flags ‖ plaintext length.
/// Owns reusable contexts: one per worker.
final class ChunkProtection {
    private let cipher: AESGCM?
    private let hasher: SHA256
    private let aad: UnsafeMutableRawBufferPointer
    private static let aadLength = SHA256.digestLength + ArchiveFormat.recordHeaderAuthenticatedLength

    init(subkey: SecureBytes?, headerDigest: [UInt8]) throws(ArchiveError) {
        cipher = try subkey.map { (key) throws(ArchiveError) in try AESGCM(key: key) }
        hasher = try SHA256()
        aad = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.aadLength, alignment: 8)
        headerDigest.withBytes { aad.copyMemory(from: $0) }
    }

    deinit {
        aad.deallocate()
    }

    /// `record` holds the record header and then the payload; the tag is written after the payload.
    func seal(record: UnsafeMutableRawBufferPointer, payloadLength: Int) throws(ArchiveError) {
        let (nonce, aad) = prepare(recordHeader: UnsafeRawBufferPointer(record))
        let payload = UnsafeMutableRawBufferPointer(
            rebasing: record[ArchiveFormat.recordHeaderLength..<ArchiveFormat.recordHeaderLength + payloadLength + ArchiveFormat.tagLength])
        if let cipher {
            try cipher.seal(UnsafeRawBufferPointer(rebasing: payload[0..<payloadLength]), into: payload, nonce: nonce, aad: aad)
        } else {
            let tag = try integrityTag(aad: aad, payload: UnsafeRawBufferPointer(rebasing: payload[0..<payloadLength]))
            tag.withBytes { UnsafeMutableRawBufferPointer(rebasing: payload[payloadLength...]).copyMemory(from: $0) }
        }
    }

    /// Verifies `stored` (payload ‖ tag) against `recordHeader` and decrypts the payload in place.
    /// Returns false when it does not authenticate.
    func open(recordHeader: UnsafeRawBufferPointer, stored: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Bool {
        let (nonce, aad) = prepare(recordHeader: recordHeader)
        let payloadLength = stored.count - ArchiveFormat.tagLength
        if let cipher {
            return try cipher.open(UnsafeRawBufferPointer(stored), into: stored, nonce: nonce, aad: aad)
        }
        let tag = try integrityTag(aad: aad, payload: UnsafeRawBufferPointer(rebasing: stored[0..<payloadLength]))
        return tag.withBytes { expected in
            UnsafeRawBufferPointer(rebasing: stored[payloadLength...]).elementsEqual(expected)
        }
    }

    private func prepare(recordHeader: UnsafeRawBufferPointer) -> (nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer) {
        let authenticated = UnsafeRawBufferPointer(rebasing: recordHeader[0..<ArchiveFormat.recordHeaderAuthenticatedLength])
        UnsafeMutableRawBufferPointer(rebasing: aad[SHA256.digestLength...]).copyMemory(from: authenticated)
        return (UnsafeRawBufferPointer(rebasing: recordHeader[0..<AESGCM.nonceLength]), UnsafeRawBufferPointer(aad))
    }

    private func integrityTag(aad: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) throws(ArchiveError) -> [UInt8] {
        try hasher.update(aad)
        try hasher.update(payload)
        return Array(try hasher.finalize().prefix(ArchiveFormat.tagLength))
    }

    /// HKDF-SHA-256(data key, salt: file salt, info: "arkiv v1 file" ‖ set id ‖ file name).
    static func fileSubkey(dataKey: DataKey, header: ArchiveHeader) throws(ArchiveError) -> SecureBytes {
        try HKDF.sha256(
            ikm: dataKey.secret, salt: header.fileSalt,
            info: ArchiveFormat.subkeyInfo + header.setID.bytes + Array(header.fileName.utf8), length: AESGCM.keyLength)
    }
}
