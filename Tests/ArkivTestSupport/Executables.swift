import Foundation

/// The outcome of running one of arkiv's executables.
public struct ProcessOutcome: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs a built arkiv executable (from the same build folder as the tests) and waits for it,
/// with the test's environment plus `environment`, less the variables named in `unsetting`.
public func runExecutable(
    _ name: String, _ arguments: [String], environment: [String: String] = [:], unsetting: [String] = []
) throws -> ProcessOutcome {
    let process = Process()
    process.executableURL = try executableURL(name)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.filter { !unsetting.contains($0.key) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting, so a chatty process cannot fill a pipe and stall.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessOutcome(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// The package's root folder, from this file's place in it: for the scripts the tests run.
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Where the executables are: `ARKIV_BIN_DIR`, or beside the test bundle in `.build/<config>/`.
public func executableURL(_ name: String) throws -> URL {
    var candidates: [URL] = []
    if let directory = ProcessInfo.processInfo.environment["ARKIV_BIN_DIR"] {
        candidates.append(URL(fileURLWithPath: directory))
    }
    var bundle = Bundle.main.bundleURL
    while bundle.pathComponents.count > 1 {
        candidates.append(bundle)
        if bundle.lastPathComponent.hasSuffix(".xctest") { candidates.append(bundle.deletingLastPathComponent()) }
        bundle = bundle.deletingLastPathComponent()
        if candidates.count > 6 { break }
    }
    for directory in candidates {
        let url = directory.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    throw TestSetupError("executable \(name) not found near \(Bundle.main.bundleURL.path); build it with `swift build` or set ARKIV_BIN_DIR")
}

/// Runs any program by path and waits for it; `environment` is added to this process's.
public func runProgram(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessOutcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessOutcome(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                          stderr: String(decoding: errData, as: UTF8.self))
}
