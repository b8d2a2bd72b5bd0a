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
    /// Checks every stored file against the manifest: each listed file present with its size and
    /// SHA-256, nothing else in the folder. Needs no key. Returns every problem, not just the first.
    ///
    /// This is `verify archive --quick`: it proves the bytes are the ones the backup wrote. Only a
    /// full read with the data key proves they decrypt, and the manifest itself is authentic.
    public func checkFiles(against manifest: Manifest) -> [IntegrityProblem] {
        var problems: [IntegrityProblem] = []
        let listed = Set(manifest.files.map(\.name))
        let present = Set(((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
            .filter { $0 != LocalRepository.manifestName && !$0.hasPrefix(".") })
        for name in present.subtracting(listed).sorted() {
            problems.append(.init(kind: .unexpectedFile, file: filePath(name), detail: "not listed in the manifest"))
        }
        for file in manifest.files {
            let path = filePath(file.name)
            // A manifest is untrusted until authenticated: never follow a name out of the folder.
            guard (try? SetWriter.checkFileName(file.name)) != nil else {
                problems.append(.init(kind: .unreadable, file: file.name, detail: "the manifest names a file outside the set"))
                continue
            }
            guard let size = FileSystem.size(path) else {
                problems.append(.init(kind: .missingFile, file: path, detail: "listed in the manifest with \(file.bytes) bytes"))
                continue
            }
            guard UInt64(size) == file.bytes else {
                problems.append(.init(kind: .sizeMismatch, file: path, detail: "\(size) bytes on disk, \(file.bytes) in the manifest"))
                continue
            }
            do {
                let digest = try Self.sha256(ofFile: path)
                if digest != file.sha256 {
                    problems.append(.init(kind: .checksumMismatch, file: path, detail: "SHA-256 \(digest), manifest says \(file.sha256)"))
                }
            } catch {
                problems.append(.init(kind: .unreadable, file: path, detail: "\(error)"))
            }
        }
        return problems
    }

    /// Every file the manifest lists is in the folder with its size: the cheap half of
    /// `checkFiles`, for prune, which must tell a real set from a planted manifest.
    public func filesPresent(as manifest: Manifest) -> Bool {
        !manifest.files.isEmpty && manifest.files.allSatisfy { file in
            (try? SetWriter.checkFileName(file.name)) != nil && FileSystem.size(filePath(file.name)).map { UInt64($0) == file.bytes } == true
        }
    }

    /// Hex SHA-256 of a file, read in 1 MiB blocks.
    static func sha256(ofFile path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RepositoryError.io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        let hasher = try SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw RepositoryError.io(operation: "read", path: path, errno: errno)
            }
            if count == 0 { break }
            try buffer.withUnsafeBytes { try hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return Hex.encode(try hasher.finalize())
    }
}
