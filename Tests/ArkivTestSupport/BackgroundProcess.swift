import Foundation

/// An arkiv executable running in the background, for tests that kill, signal or race it.
/// stdout and stderr go to files (a pipe nobody reads would stall a chatty process), which the
/// test reads at any time and which secret-leak tests can grep afterwards.
public final class BackgroundProcess: @unchecked Sendable {
    public let process = Process()
    public let stdoutPath: String
    public let stderrPath: String

    /// Starts one of arkiv's executables by name (see `executableURL`).
    public convenience init(_ name: String, _ arguments: [String], environment: [String: String] = [:], logFolder: String? = nil) throws {
        try self.init(program: try executableURL(name), arguments, environment: environment, logFolder: logFolder)
    }

    /// Starts any program. Output goes to files, so a daemon it leaves running (a server started
    /// by a script) cannot hold a pipe open and stall the test that reads it.
    public init(program: URL, _ arguments: [String], environment: [String: String] = [:], logFolder: String? = nil) throws {
        let name = program.lastPathComponent
        let folder = logFolder ?? FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-process-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let stem = folder + "/" + name + "-" + UUID().uuidString.prefix(8)
        stdoutPath = stem + ".stdout"
        stderrPath = stem + ".stderr"
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = program
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    public func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to end (at most `timeout` seconds, then kills it) and returns what it did.
    @discardableResult
    public func wait(timeout: TimeInterval = 120) -> ProcessOutcome {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return ProcessOutcome(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// True when the process died of a signal rather than exiting.
    public var wasKilled: Bool { process.terminationReason == .uncaughtSignal }

    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}

/// Polls `condition` every `interval` seconds until it holds or `timeout` passes; returns whether it held.
public func waitUntil(timeout: TimeInterval, interval: TimeInterval = 0.02, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    } while Date() < deadline
    return try condition()
}

/// Runs a program that leaves a daemon behind (a script that starts a server) and waits for the
/// program itself. Foundation's `Process` would wait for every holder of the descriptors it
/// hands the child, the daemon included, so this spawns it directly: output to a file,
/// every other descriptor closed, `waitpid` on the one process.
public func runLeavingDaemon(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessOutcome {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-spawn-\(UUID().uuidString).log").path
    defer { unlink(output) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    // Every descriptor this process has open now (glibc's closefrom action is not visible to Swift).
    let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    for descriptor in open where descriptor > 2 && fcntl(descriptor, F_GETFD) >= 0 {
        posix_spawn_file_actions_addclose(&actions, descriptor)
    }
    let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = variables.map { strdup($0) } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard spawned == 0 else { throw TestSetupError("cannot start \(path): \(String(cString: strerror(spawned)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    let exited = status & 0x7f == 0
    return ProcessOutcome(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), stdout: text, stderr: text)
}
