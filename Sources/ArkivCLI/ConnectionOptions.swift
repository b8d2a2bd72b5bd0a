import ArgumentParser
import ArkivPostgres
import Foundation

/// How a command is told which server to use, the same way in every command.
///
/// A password in a URL on the command line is visible to every user of the machine through
/// `ps`, so the URL can also come from an environment variable, and libpq's own `PG*`
/// variables, `~/.pgpass` and service files work as they do for psql.
struct ConnectionOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "A libpq URL or conninfo string (postgresql://user@host:5432/db, or service=name). Omit it to use the PG* environment.",
        valueName: "url"))
    var url: String?

    @Option(name: .customLong("url-env"), help: ArgumentHelp(
        "Read the URL from this environment variable instead (keeps passwords out of argv).", valueName: "variable"))
    var urlEnvironmentVariable: String?

    init() {}

    /// The same rules for commands whose URL option has another name (--source, --target).
    init(url: String?, urlEnvironmentVariable: String?) {
        self.url = url
        self.urlEnvironmentVariable = urlEnvironmentVariable
    }

    func target() throws -> ConnectionTarget {
        if url != nil && urlEnvironmentVariable != nil {
            throw ValidationError("give either a URL or --url-env, not both")
        }
        if let variable = urlEnvironmentVariable {
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw CommandFailure(.usage, "environment variable \(variable) (from --url-env) is not set or empty")
            }
            return try ConnectionTarget(value)
        }
        let target = try ConnectionTarget(url ?? "")
        if let url, target.redact(url) != url {
            FileHandle.standardError.write(Data(
                "arkiv: warning: a password on the command line is visible to other users (ps); use ~/.pgpass, PGPASSWORD or --url-env\n".utf8))
        }
        return target
    }
}
