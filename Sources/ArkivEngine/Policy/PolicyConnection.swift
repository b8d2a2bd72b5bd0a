import ArkivPostgres
import Foundation

extension ConnectionPolicy {
    /// The server this names. `key` is the policy key it came from, for the message when the
    /// environment variable it names is not set.
    public func target(in policy: Policy, key: String,
                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConnectionTarget {
        switch self {
        case .environment(let variable):
            guard let value = environment[variable], !value.isEmpty else {
                throw policy.problem(key, "environment variable \(variable) is not set or empty: export the connection URL in it")
            }
            return try ConnectionTarget(value)
        case .service(let name):
            return try ConnectionTarget(Self.conninfo([("service", name)]))
        case .parameters(let parameters):
            return try ConnectionTarget(Self.conninfo([
                ("host", parameters.host), ("port", parameters.port.map(String.init)), ("dbname", parameters.dbname),
                ("user", parameters.user), ("sslmode", parameters.sslmode), ("sslrootcert", parameters.sslrootcert),
            ].compactMap { keyword, value in value.map { (keyword, $0) } }))
        }
    }

    /// `keyword='value' …`, quoted as libpq's conninfo syntax wants (backslash and quote escaped).
    static func conninfo(_ pairs: [(String, String)]) -> String {
        pairs.map { keyword, value in
            "\(keyword)='" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        }.joined(separator: " ")
    }
}
