import CLibPQ
import Foundation

/// Where to connect: a libpq URL or `key=value` conninfo string, plus overrides.
///
/// libpq does all the interpreting (every parameter, `PG*` environment variables, `.pgpass`,
/// service files, sslmode and friends), so arkiv accepts exactly what psql accepts. This type
/// only keeps what it needs to describe the target without its secrets.
public struct ConnectionTarget: Sendable, CustomStringConvertible {
    /// The string as the user gave it. Never printed: it may hold a password.
    let conninfo: String
    /// Keywords that override the conninfo, e.g. `dbname` for a scratch database.
    let overrides: [(String, String)]
    /// Passwords known to be in play, so messages can be scrubbed of them.
    private let secrets: [String]
    private let summary: String
    /// The database name as far as it can be known before connecting (a service file may
    /// still change it; `Connection.database` is the truth).
    public let databaseName: String
    /// The CA file that verifies the server's certificate (`sslrootcert`, `PGSSLROOTCERT`), if set.
    public let sslRootCert: String?

    /// - Parameter conninfo: a URL (`postgresql://…`), a conninfo string, or "" for the
    ///   `PG*` environment alone.
    public init(_ conninfo: String, overrides: [(String, String)] = []) throws(PostgresError) {
        var parsed: [String: String] = [:]
        if !conninfo.isEmpty {
            var errorMessage: UnsafeMutablePointer<CChar>?
            guard let options = PQconninfoParse(conninfo, &errorMessage) else {
                let reason = errorMessage.map { String(cString: $0) } ?? "unparseable connection string"
                errorMessage.map { PQfreemem($0) }
                // libpq's parse errors quote the offending part, which may be the whole URL or
                // the password itself: redacted before the message exists.
                throw PostgresError(
                    kind: .connection,
                    message: "invalid connection string: \(Self.redactUnparsed(reason.trimmingTrailingNewlines(), conninfo: conninfo))",
                    hint: "use a URL like postgresql://user@host:5432/dbname or key=value pairs")
            }
            defer { PQconninfoFree(options) }
            var option = options
            while let keyword = option.pointee.keyword {
                if let value = option.pointee.val { parsed[String(cString: keyword)] = String(cString: value) }
                option += 1
            }
        }
        for (key, value) in overrides { parsed[key] = value }
        let environment = ProcessInfo.processInfo.environment
        // The password as libpq decoded it, and as it was spelled in a URL (percent-encoded).
        let secrets = [parsed["password"], environment["PGPASSWORD"], Self.rawURLPassword(conninfo)]
            .compactMap { $0 }.filter { !$0.isEmpty }
        self.conninfo = conninfo
        self.overrides = overrides
        self.secrets = Array(Set(secrets)).sorted { $0.count > $1.count }
        let user = parsed["user"] ?? environment["PGUSER"] ?? NSUserName()
        let host = parsed["host"] ?? parsed["hostaddr"] ?? environment["PGHOST"] ?? "local socket"
        let port = parsed["port"] ?? environment["PGPORT"] ?? "5432"
        let database = parsed["dbname"] ?? environment["PGDATABASE"] ?? user
        let service = parsed["service"] ?? environment["PGSERVICE"]
        self.databaseName = database
        self.sslRootCert = parsed["sslrootcert"] ?? environment["PGSSLROOTCERT"]
        self.summary = service.map { "service=\($0)" } ?? "\(user)@\(host):\(port)/\(database)"
    }

    /// `user@host:port/dbname`, with no password, for logs and errors.
    public var description: String { summary }

    /// The same server and credentials, another database.
    public func database(_ name: String) throws(PostgresError) -> ConnectionTarget {
        try ConnectionTarget(conninfo, overrides: overrides.filter { $0.0 != "dbname" } + [("dbname", name)])
    }

    /// A parse error of a string libpq could not parse, without anything that may be its password:
    /// every candidate replaced, and a quoted part that still holds a piece of one dropped.
    static func redactUnparsed(_ message: String, conninfo: String) -> String {
        var candidates = [rawURLPassword(conninfo), ProcessInfo.processInfo.environment["PGPASSWORD"]].compactMap { $0 }
        candidates += candidates.compactMap { $0.removingPercentEncoding }
        // password=… in key=value form or in a URL's query, up to the next separator.
        var rest = Substring(conninfo)
        while let range = rest.range(of: "password=") {
            let value = rest[range.upperBound...].prefix { $0 != " " && $0 != "&" && $0 != "'" }
            candidates.append(String(value))
            rest = rest[range.upperBound...]
        }
        var text = message
        for secret in Set(candidates.filter { !$0.isEmpty }).sorted(by: { $0.count > $1.count }) {
            text = text.replacingOccurrences(of: secret, with: "********")
        }
        let pieces = candidates.filter { $0.count >= 4 }.flatMap { secret in
            (0...(secret.count - 4)).map { String(secret.dropFirst($0).prefix(4)) }
        }
        if pieces.contains(where: text.contains), let first = text.firstIndex(of: "\""), let last = text.lastIndex(of: "\""), first < last {
            text = String(text[...first]) + "…" + String(text[last...])
        }
        return text
    }

    /// The password exactly as written in `scheme://user:password@host…`, if there is one.
    private static func rawURLPassword(_ conninfo: String) -> String? {
        guard let scheme = conninfo.range(of: "://") else { return nil }
        let rest = conninfo[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let userInfo = rest[..<at]
        guard !userInfo.contains("/"), let colon = userInfo.firstIndex(of: ":") else { return nil }
        return String(userInfo[userInfo.index(after: colon)...])
    }

    /// Removes every known secret from a message.
    public func redact(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: "********")
        }
        return text
    }
}
