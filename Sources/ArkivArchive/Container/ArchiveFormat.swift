/// Constants of archive format v1 (docs/FORMAT.md).
enum ArchiveFormat {
    static let magic: [UInt8] = Array("ARKIV".utf8) + [0x00, 0x0D, 0x0A]
    static let version: UInt16 = 1
    /// magic, version, header-body length.
    static let headerPrefixLength = 12
    /// codec, cipher, set id, file salt, name length: the body before the name.
    static let headerBodyMinimumLength = 1 + 1 + 16 + 32 + 2
    static let fileSaltLength = 32

    /// member id, sequence, flags, plaintext length, stored length.
    static let recordHeaderLength = 21
    /// The record-header bytes covered by the AAD (everything before the stored length).
    static let recordHeaderAuthenticatedLength = 17
    static let lastChunkFlag: UInt8 = 0x01
    static let indexMemberID: UInt32 = 0xFFFF_FFFF
    static let tagLength = 16

    static let defaultChunkSize = 1 << 20
    static let maximumChunkSize = 1 << 20
    /// What a reader accepts: the writer's maximum plus slack for future writers.
    static let maximumPlaintextLength = maximumChunkSize + (64 << 10)
    /// Covers zstd's and deflate's worst-case expansion of `maximumPlaintextLength`, plus the tag.
    static let maximumStoredLength = maximumPlaintextLength + (16 << 10) + tagLength
    /// Refuse an index larger than this (about 30 million chunks, i.e. 30 TB of data per file).
    static let maximumIndexLength = 256 << 20

    static let footerMagic: [UInt8] = Array("ARKIVIDX".utf8)
    static let footerLength = 24

    static let subkeyInfo = Array("arkiv v1 file".utf8)
}

/// The cipher byte in the archive header.
enum CipherID: UInt8, Sendable {
    case none = 0
    case aes256GCM = 1
}

/// Whether an archive's chunks are encrypted. `.none` must be asked for explicitly.
public enum Encryption: Sendable {
    case aes256GCM(DataKey)
    /// Chunks carry a truncated SHA-256 tag: detects accidents, not tampering.
    case none

    var cipherID: CipherID {
        switch self {
        case .aes256GCM: .aes256GCM
        case .none: .none
        }
    }
}
