import ArkivArchive
import Foundation

/// One thing wrong with a set's files, against what its manifest lists.
public struct IntegrityProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case missingFile = "missing file"
        case unexpectedFile = "unexpected file"
        case sizeMismatch = "size mismatch"
        case checksumMismatch = "checksum mismatch"
        case unreadable = "unreadable"
    }

    public let kind: Kind
    public let file: String
    public let detail: String

    public var description: String { "\(file): \(kind.rawValue): \(detail)" }
}

extension SetEntry {
    /// Every file the manifest lists is in the folder with its size: the cheap half of
    /// `StoredSets.checkFiles`, for prune, which must tell a real set from a planted manifest.
    public func filesPresent(as manifest: Manifest) -> Bool {
        !manifest.files.isEmpty && manifest.files.allSatisfy { file in
            (try? SetWriter.checkFileName(file.name)) != nil && FileSystem.size(filePath(file.name)).map { UInt64($0) == file.bytes } == true
        }
    }
}
