import Foundation

/// `pg_dump --schema-only` as the oracle for DDL fidelity, normalised so two dumps of the same
/// schema compare equal: comments, blank lines, `SET` lines and the `\restrict`/`\unrestrict`
/// lines (pg_dump 16.10+ writes them with a new random key each run) are dropped.
public enum SchemaDump {
    /// The normalised dump of some schemas of one database. PostgreSQL 16's pg_dump is used for
    /// 15 and 16 (it reads 15 too, and the newer client is the better oracle); 17 and 18 get
    /// their own, since pg_dump refuses a server newer than itself.
    public static func normalized(server: TestServer, database: String, schemas: [String]) throws -> [String] {
        guard let url = URLComponents(string: try server.url()) else { throw TestSetupError("unparseable server URL") }
        let client = server.majorVersion > TestServer.pg16.majorVersion ? server : TestServer.pg16
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try client.binDirectory() + "/pg_dump")
        process.arguments = ["--schema-only", "--no-sync"] + schemas.flatMap { ["--schema", exactPattern($0)] }
        // The password goes through the environment, never argv.
        var environment = ProcessInfo.processInfo.environment
        environment["PGHOST"] = url.host
        environment["PGPORT"] = url.port.map(String.init)
        environment["PGUSER"] = url.user?.removingPercentEncoding
        environment["PGPASSWORD"] = url.password?.removingPercentEncoding
        environment["PGDATABASE"] = database
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("pg_dump failed (\(process.terminationStatus)): \(String(decoding: errors, as: UTF8.self))")
        }
        return normalize(String(decoding: data, as: UTF8.self))
    }

    public static func normalize(_ dump: String) -> [String] {
        dump.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { line in
            !(line.hasPrefix("--") || line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("SET ")
                || line.hasPrefix("SELECT pg_catalog.set_config") || line.hasPrefix("\\restrict") || line.hasPrefix("\\unrestrict"))
        }
    }

    /// A short account of where two dumps differ, for a failing expectation.
    public static func difference(_ source: [String], _ target: [String]) -> String {
        let firstDifference = zip(source, target).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(source.count, target.count)
        let context = { (lines: [String]) in
            lines[max(0, firstDifference - 3)..<min(lines.count, firstDifference + 12)].joined(separator: "\n")
        }
        var onlySource = source, onlyTarget: [String] = []
        for line in target {
            if let index = onlySource.firstIndex(of: line) { onlySource.remove(at: index) } else { onlyTarget.append(line) }
        }
        return """
            dumps differ (source \(source.count) lines, target \(target.count)); first at line \(firstDifference)
            --- source:
            \(context(source))
            --- target:
            \(context(target))
            --- only in source (\(onlySource.count)): \(onlySource.prefix(30).joined(separator: "\n"))
            --- only in target (\(onlyTarget.count)): \(onlyTarget.prefix(30).joined(separator: "\n"))
            """
    }

    /// pg_dump's --schema takes a pattern: quote the name so it matches itself exactly.
    static func exactPattern(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
