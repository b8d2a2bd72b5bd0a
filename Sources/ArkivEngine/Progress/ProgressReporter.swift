import Foundation

/// How a run reports what it is doing: a live line per running task on a terminal, or one JSON
/// object per event for cron and log collectors. Safe to call from every worker thread.
public final class ProgressReporter: @unchecked Sendable {
    public enum Mode: Sendable {
        /// Live progress lines on stderr, redrawn in place.
        case terminal
        /// One JSON object per line on stderr: `{"event":"table","table":"vault.documents",…}`.
        case jsonLines
        /// Nothing (tests, or `--quiet`).
        case silent

        /// Terminal when stderr is one, JSON lines otherwise.
        public static var automatic: Mode { isatty(STDERR_FILENO) == 1 ? .terminal : .jsonLines }
    }

    private struct Task {
        let started: Date
        let estimatedBytes: Int64?
        var rows: Int64 = 0
        var bytes: Int64 = 0
    }

    public let mode: Mode
    private let lock = NSLock()
    private var tasks: [String: Task] = [:]
    private var order: [String] = []
    private var lastDraw = Date.distantPast
    private var drawnLines = 0
    private let output: FileHandle

    public init(mode: Mode, output: FileHandle = .standardError) {
        self.mode = mode
        self.output = output
    }

    /// A task (e.g. one table's COPY) starts. `estimatedBytes` feeds the ETA.
    public func begin(_ name: String, estimatedBytes: Int64? = nil) {
        lock.withLock {
            tasks[name] = Task(started: Date(), estimatedBytes: estimatedBytes)
            order.append(name)
        }
    }

    /// More rows and bytes of a running task; redraws at most a few times a second.
    public func advance(_ name: String, rows: Int64, bytes: Int64) {
        guard mode == .terminal else {
            lock.withLock {
                tasks[name]?.rows += rows
                tasks[name]?.bytes += bytes
            }
            return
        }
        lock.withLock {
            tasks[name]?.rows += rows
            tasks[name]?.bytes += bytes
            if Date().timeIntervalSince(lastDraw) > 0.2 { drawLocked() }
        }
    }

    /// A task ended; logs its final line (and JSON event) with the given fields.
    public func finish(_ name: String, event: String, fields: [String: any Sendable]) {
        lock.withLock {
            tasks[name] = nil
            order.removeAll { $0 == name }
            switch mode {
            case .terminal:
                clearLocked()
                write(Self.humanLine(event: event, name: name, fields: fields) + "\n")
                drawLocked()
            case .jsonLines:
                write(Self.json(["event": event, "name": name].merging(fields) { $1 }) + "\n")
            case .silent:
                break
            }
        }
    }

    /// A single event outside any task (start, summary, warning).
    public func log(_ event: String, _ message: String, fields: [String: any Sendable] = [:]) {
        lock.withLock {
            switch mode {
            case .terminal:
                clearLocked()
                write(message + "\n")
                drawLocked()
            case .jsonLines:
                write(Self.json(["event": event, "message": message].merging(fields) { $1 }) + "\n")
            case .silent:
                break
            }
        }
    }

    /// Removes the live lines (before the final summary is printed).
    public func close() {
        lock.withLock { clearLocked() }
    }

    private func drawLocked() {
        guard mode == .terminal else { return }
        clearLocked()
        let now = Date()
        var lines: [String] = []
        for name in order.prefix(8) {
            guard let task = tasks[name] else { continue }
            let seconds = max(now.timeIntervalSince(task.started), 0.001)
            let rate = Double(task.bytes) / seconds
            var line = "  \(name): \(task.rows) rows, \(Self.bytes(task.bytes)), \(Self.bytes(Int64(rate)))/s"
            if let estimate = task.estimatedBytes, estimate > task.bytes, rate > 0 {
                line += ", ETA \(Int(Double(estimate - task.bytes) / rate))s"
            }
            lines.append(line)
        }
        if !lines.isEmpty { write(lines.joined(separator: "\n") + "\n") }
        drawnLines = lines.count
        lastDraw = now
    }

    private func clearLocked() {
        guard drawnLines > 0 else { return }
        // Cursor up and clear to the end of the screen.
        write("\u{1B}[\(drawnLines)A\u{1B}[J")
        drawnLines = 0
    }

    private func write(_ text: String) {
        output.write(Data(text.utf8))
    }

    static func humanLine(event: String, name: String, fields: [String: any Sendable]) -> String {
        let details = fields.keys.sorted().map { "\($0)=\(fields[$0].map { "\($0)" } ?? "")" }.joined(separator: " ")
        return "\(event) \(name) \(details)"
    }

    static func json(_ object: [String: any Sendable]) -> String {
        var stamped: [String: Any] = object
        stamped["time"] = ISO8601DateFormatter().string(from: Date())
        guard let data = try? JSONSerialization.data(withJSONObject: stamped, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return #"{"event":"log-error"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }

    public static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count), unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
