import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("Connections")
struct ConnectionTests {
    @Test("connects and reports the server", arguments: TestServer.allCases)
    func connects(server: TestServer) throws {
        let connection = try server.connect()
        let expectedMajor = server.majorVersion
        #expect(connection.serverVersionNumber / 10000 == expectedMajor)
        #expect(connection.serverVersion.hasPrefix("\(expectedMajor)."))
        #expect(connection.tls == nil, "loopback test servers do not use TLS")
        #expect(connection.database == "postgres")
        let row = try connection.queryRow("SELECT current_setting('application_name') AS name")
        #expect(row["name"] == "arkiv-tests")
    }

    @Test("a wrong password is refused with a clear error that does not contain it", arguments: TestServer.allCases)
    func wrongPassword(server: TestServer) throws {
        let secret = "hunter2-\(UUID().uuidString)"
        var components = try #require(URLComponents(string: try server.url()))
        components.password = secret
        let url = try #require(components.string)
        let error = try #require(throws: PostgresError.self) { try Connection(url) }
        #expect(error.kind == .connection)
        #expect(error.message.contains("password authentication failed"))
        #expect(error.hint?.contains("password") == true)
        for text in [error.description, String(describing: error), error.localizedDescription, "\(error)"] {
            #expect(!text.contains(secret), "the password leaked into: \(text)")
        }
        #expect(error.target?.contains("postgres@127.0.0.1") == true)
    }

    @Test("an unreachable server gives a connection error naming the target")
    func unreachable() throws {
        let error = try #require(throws: PostgresError.self) {
            try Connection("postgresql://nobody:pw-not-shown@127.0.0.1:1/db?connect_timeout=2")
        }
        #expect(error.kind == .connection)
        #expect(error.description.contains("nobody@127.0.0.1:1/db"))
        #expect(!error.description.contains("pw-not-shown"))
    }

    @Test("a malformed connection string is refused before connecting")
    func malformed() throws {
        for (conninfo, complaint) in [("host=localhost dbname", "missing \"=\" after \"dbname\""),
                                      ("bogus_option=1", "invalid connection option \"bogus_option\""),
                                      ("postgresql://h/db?nosuch=1", "invalid URI query parameter")] {
            let error = try #require(throws: PostgresError.self) { try ConnectionTarget(conninfo) }
            #expect(error.message.hasPrefix("invalid connection string"))
            #expect(error.message.contains(complaint), "\(error.message)")
            #expect(error.hint != nil)
        }
    }

    @Test("the target's description never shows the password")
    func redactedDescription() throws {
        let target = try ConnectionTarget("postgresql://alice:s%C3%A6cret-pw@db.example:6543/tekup_db?sslmode=require")
        #expect(target.description == "alice@db.example:6543/tekup_db")
        #expect(target.redact("failed for sæcret-pw and s%C3%A6cret-pw") == "failed for ******** and ********")
        let keyValue = try ConnectionTarget("host=h port=5433 dbname=d user=u password=pw123456")
        #expect(keyValue.description == "u@h:5433/d")
    }

    @Test("a password from a .pgpass file (PGPASSFILE) is used", arguments: TestServer.allCases)
    func pgpass(server: TestServer) throws {
        let url = try #require(URLComponents(string: try server.url()))
        let password = try #require(url.password)
        let port = try #require(url.port)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)")
        try "127.0.0.1:\(port):*:postgres:\(password)\n".write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        defer { try? FileManager.default.removeItem(at: file) }
        let connection = try Connection("host=127.0.0.1 port=\(port) user=postgres dbname=postgres passfile=\(file.path)")
        #expect(try connection.queryRow("SELECT 1 AS one")["one"] == "1")
    }

    @Test("a service file entry is honoured", arguments: TestServer.allCases)
    func serviceFile(server: TestServer) throws {
        let url = try #require(URLComponents(string: try server.url()))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pg_service-\(UUID().uuidString).conf")
        let entry = "[arkivtest]\nhost=127.0.0.1\nport=\(try #require(url.port))\nuser=postgres\ndbname=postgres\npassword=\(try #require(url.password))\n"
        try entry.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        // libpq reads PGSERVICEFILE at connect time; the variable only matters for `service=`.
        setenv("PGSERVICEFILE", file.path, 1)
        defer { unsetenv("PGSERVICEFILE") }
        let target = try ConnectionTarget("service=arkivtest")
        #expect(target.description == "service=arkivtest")
        let connection = try Connection(target)
        #expect(connection.database == "postgres")
    }

    @Test("another database on the same server, through an override", arguments: TestServer.allCases)
    func databaseOverride(server: TestServer) throws {
        try withScratchDatabase(on: server) { target in
            let connection = try Connection(target)
            #expect(try connection.queryRow("SELECT current_database() AS db")["db"] == connection.database)
            #expect(connection.database.hasPrefix("t_"))
        }
    }

    @Test("the dump session preset is applied", arguments: TestServer.allCases)
    func dumpSettings(server: TestServer) throws {
        let connection = try server.connect()
        try connection.apply(.dump(lockTimeout: "5s"))
        let row = try connection.queryRow("""
            SELECT current_setting('DateStyle') AS datestyle, current_setting('TimeZone') AS tz,
                   current_setting('extra_float_digits') AS efd, current_setting('search_path') AS sp,
                   current_setting('lock_timeout') AS lt, current_setting('row_security') AS rls,
                   current_setting('bytea_output') AS bytea, current_setting('IntervalStyle') AS iv
            """)
        #expect(row["datestyle"] == "ISO, MDY")
        #expect(row["tz"] == "UTC")
        #expect(row["efd"] == "3")
        #expect(row["sp"] == "" || row["sp"] == "\"\"")
        #expect(row["lt"] == "5s")
        #expect(row["rls"] == "off")
        #expect(row["bytea"] == "hex")
        #expect(row["iv"] == "postgres")
    }

    @Test("transaction-scoped settings vanish at commit", arguments: TestServer.allCases)
    func transactionSettings(server: TestServer) throws {
        let connection = try server.connect()
        try connection.execute("BEGIN")
        try connection.apply(.dump(lockTimeout: "7s"), scope: .transaction)
        #expect(try connection.queryRow("SELECT current_setting('lock_timeout') AS lt")["lt"] == "7s")
        try connection.commit()
        #expect(try connection.queryRow("SELECT current_setting('lock_timeout') AS lt")["lt"] == "0")
    }
}
