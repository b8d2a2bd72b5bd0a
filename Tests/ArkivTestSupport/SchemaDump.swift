import Foundation

/// `pg_dump --schema-only` as the oracle for DDL fidelity, normalised so two dumps of the same
/// schema compare equal: comments, blank lines, `SET` lines and the `\restrict`/`\unrestrict`
/// lines (pg_dump 16.10+ writes them with a new random key each run) are dropped.
public enum SchemaDump {
    public static func normalized(server: TestServer, database: String, schemas: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try server.binDirectory() + "/pg_dump")
        // pg16's pg_dump reads pg15 as well; the newest client is the better oracle.
        if server == .pg15, let pg16 = try? TestServer.pg16.binDirectory() {
            process.executableURL = URL(fileURLWithPath: pg16 + "/pg_dump")
        }
        process.arguments = ["--schema-only", "--no-tablespaces"] + schemas.map { "--schema=" + $0 }
            + ["--dbname", try server.url(database: database)]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("pg_dump of \(database) failed: \(errorText)")
        }
        return normalize(String(decoding: data, as: UTF8.self))
    }

    public static func normalize(_ dump: String) -> [String] {
        dump.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).filter { line in
            !line.hasPrefix("--") && !line.hasPrefix("SET ") && !line.hasPrefix("SELECT pg_catalog.set_config")
                && !line.hasPrefix("\\restrict") && !line.hasPrefix("\\unrestrict")
                && !line.trimmingCharacters(in: .whitespaces).isEmpty
        }
    }

    /// The first lines where two normalised dumps differ, for a readable failure message.
    public static func difference(_ left: [String], _ right: [String], context: Int = 3) -> String {
        guard let index = zip(left, right).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset
            ?? (left.count != right.count ? min(left.count, right.count) : nil) else { return "identical" }
        let lower = max(0, index - context)
        let leftLines = left[lower..<min(left.count, index + context)].joined(separator: "\n")
        let rightLines = right[lower..<min(right.count, index + context)].joined(separator: "\n")
        return "first difference at line \(index):\n--- source\n\(leftLines)\n--- restored\n\(rightLines)"
    }
}
