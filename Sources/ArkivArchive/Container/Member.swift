/// A member's number within one archive file, assigned in `beginMember` order from 0.
public struct MemberID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static func < (lhs: MemberID, rhs: MemberID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "#\(rawValue)" }
}

/// What a member holds. A struct rather than an enum so that kinds added by later writers survive a
/// round trip through an older reader.
public struct MemberKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let preData = MemberKind(rawValue: 1)
    public static let data = MemberKind(rawValue: 2)
    public static let postData = MemberKind(rawValue: 3)
    public static let sequences = MemberKind(rawValue: 4)
    public static let metadata = MemberKind(rawValue: 5)

    public var description: String {
        switch self {
        case .preData: "pre-data"
        case .data: "data"
        case .postData: "post-data"
        case .sequences: "sequences"
        case .metadata: "metadata"
        default: "kind-\(rawValue)"
        }
    }
}

/// One member as the writer finished it and as the index records it.
public struct MemberSummary: Hashable, Sendable {
    public let id: MemberID
    public let kind: MemberKind
    public let name: String
    public let plaintextBytes: UInt64
    /// Bytes of the member's chunk records in the file (clear headers + sealed payloads).
    public let storedBytes: UInt64
    public let chunkCount: UInt64
    public let plaintextSHA256: [UInt8]
}

/// An archive file as `ArchiveWriter.finish()` left it.
public struct ArchiveFileSummary: Sendable {
    public let size: UInt64
    /// SHA-256 of every byte of the file, computed while writing.
    public let sha256: [UInt8]
    public let members: [MemberSummary]
}
