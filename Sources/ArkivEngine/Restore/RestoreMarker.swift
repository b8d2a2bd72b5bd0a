import ArkivPostgres
import Foundation

/// The state of a restore, kept where it cannot be missed: the restored database's comment.
///
/// Written as "incomplete" before the first statement and as "complete" after the last, so a
/// database whose restore was interrupted or failed says so; verify and drill refuse it.
public struct RestoreMarker: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case incomplete, complete }

    public var set: String
    public var state: State
    public var at: Date
    /// Statements ("kind name") the restore left out on purpose (`--supabase-compat`'s
    /// platform extensions), so that verify does not count them missing.
    public var leftOut: [String]?
    /// `--role-map` as applied, so that verify expects the mapped roles.
    public var roleMap: [String: String]?
    /// Whether owners and grants (with default privileges) were restored, so that verify
    /// judges them; nil (markers before arkiv restored them on scratch) reads as not restored.
    public var owners: Bool?
    public var privileges: Bool?
    /// Set when a drill made this database: which run, and whether it was asked to keep it. A
    /// later drill drops only a database a drill made and did not keep, once that run is gone.
    public var drill: DrillOwner?

    public struct DrillOwner: Codable, Sendable, Equatable {
        public var pid: Int32
        public var host: String
        public var keep: Bool

        /// The drill that made it is not running any more (on this host: no such process).
        var isGone: Bool {
            host == ProcessInfo.processInfo.hostName && kill(pid, 0) != 0 && errno == ESRCH
        }
    }

    public init(set: String, state: State, at: Date, leftOut: [String]? = nil, roleMap: [String: String]? = nil,
                owners: Bool? = nil, privileges: Bool? = nil, drill: DrillOwner? = nil) {
        self.drill = drill
        self.set = set
        self.state = state
        self.at = at
        self.leftOut = leftOut
        self.roleMap = roleMap
        self.owners = owners
        self.privileges = privileges
    }

    static let prefix = "arkiv-restore "

    /// Writes the marker on the connection's own database (needs ownership of it).
    func write(on connection: Connection) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let text = Self.prefix + String(decoding: try encoder.encode(self), as: UTF8.self)
        try connection.execute("COMMENT ON DATABASE \(try connection.quoteIdentifier(connection.database)) IS \(try connection.quoteLiteral(text))")
    }

    /// The marker of the connection's database, if a restore wrote one.
    public static func read(on connection: Connection) throws -> RestoreMarker? {
        let row = try connection.queryRow(
            "SELECT pg_catalog.shobj_description(oid, 'pg_database') AS comment FROM pg_catalog.pg_database WHERE datname = current_database()")
        guard let comment = row["comment"], comment.hasPrefix(prefix) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(RestoreMarker.self, from: Data(comment.dropFirst(prefix.count).utf8))
    }
}
