import Foundation

/// The small JSON files a repository keeps beside its sets (pins, verification records): one
/// folder per kind, each file written atomically, so a reader sees a whole record or none.
enum RepositoryRecords {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// `<repository>/<folder>`, created (mode 0700) when missing; refused by name when it is
    /// a symbolic link or a file (records written through a link would land elsewhere).
    static func folder(_ name: String, in repository: String) throws(RepositoryError) -> String {
        let path = repository + "/" + name
        if !FileSystem.exists(path) {
            guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
                throw .io(operation: "create directory", path: path, errno: errno)
            }
        }
        guard FileSystem.isRealDirectory(path) else { throw .notARealDirectory(path) }
        return path
    }

    static func write<Record: Encodable>(_ record: Record, to path: String) throws(RepositoryError) {
        let data: Data
        do { data = try encoder.encode(record) } catch {
            throw .io(operation: "encode", path: path, errno: EINVAL)
        }
        try FileSystem.writeAtomically(data, to: path)
    }

    /// A record, nil when absent; throws when present but unreadable (callers decide what that means).
    static func read<Record: Decodable>(_ type: Record.Type, at path: String) throws(RepositoryError) -> Record? {
        guard FileSystem.exists(path) else { return nil }
        guard let data = try FileSystem.readSmall(path, limit: 1 << 20) else { throw .io(operation: "read", path: path, errno: EFBIG) }
        do { return try decoder.decode(type, from: data) } catch {
            throw .io(operation: "parse", path: path, errno: EINVAL)
        }
    }

    /// The `.json` files of a folder, by name (names start with a UTC timestamp: oldest first);
    /// none when the folder is missing, or is not a plain directory (never listed through a link).
    static func names(in folder: String) -> [String] {
        guard FileSystem.isRealDirectory(folder) else { return [] }
        return ((try? FileSystem.list(folder)) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
    }
}

/// A record file outside the repository's own kinds (a drill report, in the repository or in a
/// host's state folder): its folder made (mode 0700, parents too) when missing, the file
/// written atomically.
public enum RecordFiles {
    public static func write(_ data: Data, named name: String, in folder: String) throws(RepositoryError) {
        if FileSystem.exists(folder) && !FileSystem.isRealDirectory(folder) { throw .notARealDirectory(folder) }
        var missing: [String] = []
        var path = folder
        while !path.isEmpty, path != "/", !FileSystem.isDirectory(path) {
            missing.append(path)
            path = (path as NSString).deletingLastPathComponent
        }
        for directory in missing.reversed() {
            guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
                throw .io(operation: "create directory", path: directory, errno: errno)
            }
        }
        try FileSystem.writeAtomically(data, to: folder + "/" + name)
    }
}
