import Foundation

/// A PostgreSQL 16 server of one test's own, for what the shared servers must never see (a crash,
/// a small /dev/shm): started by scripts/pg-test-server in its own folder, removed by `stop()`.
public struct OwnTestServer {
    public let folder: String
    /// The superuser's URL, password included, to database `postgres`.
    public let url: String

    private static var script: String { packageRoot.appendingPathComponent("scripts/pg-test-server").path }

    /// - Parameter options: more of `scripts/pg-test-server start`'s options, e.g. `--no-fixture`.
    public init(folder: String, options: [String]) throws {
        let environment = ["ARKIV_TEST_DIR": folder]
        // A leftover of an interrupted run would be reused as it is: start from nothing.
        _ = try? runLeavingDaemon(Self.script, ["stop"], environment: environment)
        let start = try runLeavingDaemon(Self.script, ["start", "pg16"] + options, environment: environment)
        guard start.status == 0 else {
            _ = try? runLeavingDaemon(Self.script, ["stop"], environment: environment)
            throw TestSetupError("could not start the test's own server (\(options.joined(separator: " "))): \(start.stderr)")
        }
        guard let url = start.stdout.split(separator: "\n").first(where: { $0.contains("ARKIV_TEST_PG16_URL=") })
            .map({ $0.split(separator: "=", maxSplits: 1)[1].trimmingCharacters(in: CharacterSet(charactersIn: "'")) })
        else {
            _ = try? runLeavingDaemon(Self.script, ["stop"], environment: environment)
            throw TestSetupError("no URL in the output of scripts/pg-test-server: \(start.stdout)")
        }
        self.folder = folder
        self.url = url
    }

    /// The URL of another database on this server.
    public func url(database: String) -> String {
        url.replacingOccurrences(of: "/postgres", with: "/\(database)", options: [.anchored, .backwards])
    }

    public func stop() {
        _ = try? runLeavingDaemon(Self.script, ["stop"], environment: ["ARKIV_TEST_DIR": folder])
    }
}
