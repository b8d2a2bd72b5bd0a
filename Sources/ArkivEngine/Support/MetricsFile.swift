import Foundation

/// A Prometheus textfile for node_exporter's textfile collector. The backup and the drill each
/// write their own file with their own metric names, labelled with the repository, so two
/// policies on one host never define the same series (the collector refuses that).
public enum MetricsFile {
    struct Gauge {
        let name: String
        let help: String
        let value: Double
    }

    /// Why a metrics file could not be written: the path and the system's reason, never a raw
    /// Foundation error.
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "could not write the metrics file \(path): \(reason)" }
    }

    static func text(_ gauges: [Gauge], labels: [String: String]) -> String {
        let labelText = labels.isEmpty ? "" : "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escape($0.value))\"" }
            .joined(separator: ",") + "}"
        return gauges.map { "# HELP \($0.name) \($0.help)\n# TYPE \($0.name) gauge\n\($0.name)\(labelText) \(format($0.value))" }
            .joined(separator: "\n") + "\n"
    }

    /// The exposition format's label value escapes.
    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Written to a temporary name beside it and renamed, so the collector never reads half a
    /// file. A missing folder is created (mode 0755: the collector runs as another user).
    static func write(_ gauges: [Gauge], labels: [String: String], to path: String) throws(WriteError) {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o755])
            } catch {
                throw WriteError(path: path, reason: "its folder \(folder) does not exist and could not be created (\(reason(of: error, errno: errno)))")
            }
        }
        let temporary = path + ".tmp"
        let bytes = Array(text(gauges, labels: labels).utf8)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let saved = errno
        close(descriptor)
        guard written == bytes.count else {
            unlink(temporary)
            throw WriteError(path: path, reason: written < 0 ? String(cString: strerror(saved)) : "short write")
        }
        guard rename(temporary, path) == 0 else {
            let saved = errno
            unlink(temporary)
            throw WriteError(path: path, reason: String(cString: strerror(saved)))
        }
    }

    /// The values a file holds now (to carry a last success over a failed run).
    static func values(in path: String) -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        var values: [String: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            values[String(series.prefix { $0 != "{" })] = value
        }
        return values
    }

    private static func reason(of error: any Error, errno: Int32) -> String {
        ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { String(cString: strerror(Int32($0.code))) }
            ?? String(cString: strerror(errno))
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.3f", value)
    }
}
