import ArkivArchive
import Foundation

/// Copies complete backup sets between two repositories on any storage (disk → bucket, bucket →
/// disk, bucket → bucket) without a key: the set stays exactly as it was written, encrypted or
/// not. Every file is hashed on the way and must match the manifest's SHA-256; the manifest goes
/// last, so an interrupted copy is an incomplete set at the destination, and running the copy
/// again resumes it (files already there are checked, not trusted, and kept when they match).
public struct SetCopier: Sendable {
    public let source: any Storage
    public let destination: any Storage

    public enum Outcome: Sendable, Equatable {
        case copied(files: Int, bytes: UInt64, reused: Int)
        /// The destination already holds the complete set.
        case present
    }

    public enum CopyError: Error, CustomStringConvertible, Equatable {
        /// A file's bytes at the source do not match the manifest: the source set is damaged.
        case checksumMismatch(set: String, file: String, expected: String, actual: String)
        case notASet(String, reason: String)

        public var description: String {
            switch self {
            case .checksumMismatch(let set, let file, let expected, let actual):
                "\(set)/\(file): SHA-256 \(actual), the manifest says \(expected): the source copy of this set is damaged; "
                    + "it was not copied (check it with arkiv-verify archive, copy another set)"
            case .notASet(let name, let reason): "\(name) is not a complete backup set at the source: \(reason)"
            }
        }
    }

    public init(source: any Storage, destination: any Storage) {
        self.source = source
        self.destination = destination
    }

    /// The complete sets at the source, oldest first.
    public func completeSets() throws(StorageError) -> [BackupID] {
        try StoredSets(storage: source).sets().filter(\.complete).map(\.id)
    }

    /// Copies one set. `progress` hears of each file as it is done.
    public func copy(_ id: BackupID, progress: (String, UInt64) -> Void = { _, _ in }) throws -> Outcome {
        let manifestName = id.rawValue + "/" + LocalRepository.manifestName
        if try destination.stat(manifestName) != nil { return .present }
        guard try source.stat(manifestName) != nil else {
            throw CopyError.notASet(id.rawValue, reason: "it has no manifest (not finished, or removed)")
        }
        let (manifestData, manifest) = try StoredSets(storage: source).manifest(id)
        var bytes: UInt64 = 0, reused = 0
        for file in manifest.files {
            try SetWriter.checkFileName(file.name)
            let name = id.rawValue + "/" + file.name
            // Resumed: a file already at the destination counts only if its bytes hash right.
            if let present = try destination.stat(name), present.size == file.bytes,
               (try? Self.sha256(of: name, in: destination)) == file.sha256 {
                reused += 1
                continue
            }
            let upload = try destination.upload(name)
            do {
                let hasher = try SHA256()
                var size: UInt64 = 0
                try source.read(name) { piece in
                    try hasher.update(piece)
                    size += UInt64(piece.count)
                    try upload.write(piece)
                }
                let digest = Hex.encode(try hasher.finalize())
                guard digest == file.sha256, size == file.bytes else {
                    throw CopyError.checksumMismatch(set: id.rawValue, file: file.name, expected: file.sha256, actual: digest)
                }
                try upload.finish()
            } catch {
                upload.abort()
                throw error
            }
            bytes += file.bytes
            progress(file.name, file.bytes)
        }
        // Last: the set is complete at the destination only now. A concurrent copy that got
        // there first wrote the same bytes.
        do {
            try destination.save(manifestName, data: manifestData, ifAbsent: true)
        } catch let error as StorageError {
            guard case .alreadyExists = error else { throw error }
        }
        return .copied(files: manifest.files.count - reused, bytes: bytes, reused: reused)
    }

    static func sha256(of name: String, in storage: any Storage) throws -> String {
        let hasher = try SHA256()
        try storage.read(name) { try hasher.update($0) }
        return Hex.encode(try hasher.finalize())
    }
}
