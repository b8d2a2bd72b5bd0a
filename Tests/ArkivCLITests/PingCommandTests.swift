import ArkivTestSupport
import Foundation
import Testing

@Suite("arkiv command line")
struct PingCommandTests {
    @Test("--version prints the version and exits 0")
    func version() throws {
        let outcome = try runExecutable("arkiv", ["--version"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test("an unknown option is a usage error: exit 2")
    func usageError() throws {
        let outcome = try runExecutable("arkiv", ["ping", "--no-such-flag"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("no-such-flag"))
    }

    @Test("ping shows the server version, pgvector and TLS", arguments: TestServer.allCases)
    func ping(server: TestServer) throws {
        // A fresh database: pgvector is available on pg16 and pg18 but not installed in it.
        let outcome = try withScratchDatabase(on: server) { target in
            try runExecutable("arkiv", ["ping", "--url-env", "PING_URL"],
                              environment: ["PING_URL": try server.url(database: target.databaseName)])
        }
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        #expect(outcome.stdout.contains("server:   PostgreSQL \(server.majorVersion)."))
        if let pgvector = server.pgvectorVersion {
            #expect(outcome.stdout.contains("pgvector: not installed in this database (\(pgvector) available)"))
        } else {
            #expect(outcome.stdout.contains("pgvector: not available on this server"))
        }
        #expect(outcome.stdout.contains("tls:      no"))
    }

    @Test("ping --json reports pgvector installed in the fixture database", arguments: [TestServer.pg16])
    func pingJSON(server: TestServer) throws {
        let url = try server.url(database: "workspace")
        let outcome = try runExecutable("arkiv", ["ping", "--json", "--url-env", "WORKSPACE_URL"], environment: ["WORKSPACE_URL": url])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(object["pgvector"] as? String == "0.8.5")
        #expect(object["database"] as? String == "workspace")
        #expect((object["serverVersionNumber"] as? Int ?? 0) >= 160000)
    }

    @Test("a wrong password exits 1 and never prints the password", arguments: TestServer.allCases)
    func wrongPassword(server: TestServer) throws {
        var components = try #require(URLComponents(string: try server.url()))
        components.password = "Tr0ub4dor-secret"
        let url = try #require(components.string)
        let outcome = try runExecutable("arkiv", ["ping", url])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("password authentication failed"))
        #expect(!outcome.stderr.contains("Tr0ub4dor"))
        #expect(!outcome.stdout.contains("Tr0ub4dor"))
        #expect(outcome.stderr.contains("visible to other users"), "a password in argv is warned about")
    }

    @Test("--url-env naming an unset variable is a usage error")
    func missingVariable() throws {
        let outcome = try runExecutable("arkiv", ["ping", "--url-env", "ARKIV_NO_SUCH_VARIABLE"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("ARKIV_NO_SUCH_VARIABLE"))
    }
}
