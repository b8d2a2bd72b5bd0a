/// 16 random bytes naming a backup set; bound into every file subkey, so chunks of one set do not
/// authenticate in another.
public struct BackupSetID: Hashable, Sendable, CustomStringConvertible, Codable {
    public static let length = 16
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(ArchiveError) {
        guard bytes.count == Self.length else { throw .invalidUse("a backup set id is 16 bytes, not \(bytes.count)") }
        self.bytes = bytes
    }

    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == Self.length else { return nil }
        self.bytes = bytes
    }

    public static func generate() throws(ArchiveError) -> BackupSetID {
        try BackupSetID(bytes: SecureRandom.bytes(length))
    }

    public var description: String { Hex.encode(bytes) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = BackupSetID(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not 32 hex characters"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
