import ArgumentParser
import ArkivPostgres
import ArkivRepository
import Foundation

/// `arkiv ping`: can we reach the server, what is it, and is the connection encrypted?
struct PingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Connect to a server and show its version, pgvector and TLS; or check an s3:// repository's access.",
        discussion: "With s3://BUCKET/PREFIX: list, write, read back and delete a probe object, and say which of them the credentials may not do.")

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var s3: S3Options

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        if let url = connection.url, url.hasPrefix("s3://") {
            try Self.probe(try s3.open(RepositoryLocation(url), create: false))
            return
        }
        let target = try connection.target()
        let conn = try Connection(target)
        let report = try PingReport(conn)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
    }
}

extension PingCommand {
    /// Each right a repository needs, tried on a probe object: what backup (write), drill and
    /// restore (read), and prune (delete) will meet.
    static func probe(_ storage: any Storage) throws {
        let name = "arkiv-ping-\(UInt32.random(in: 0...UInt32.max))"
        let payload = Data("arkiv ping \(Date())".utf8)
        var missing: [String] = []
        var otherProblem: Error?
        func step(_ what: String, needed by: String, _ body: () throws -> Void) {
            do {
                try body()
                print("\(what.padding(toLength: 8, withPad: " ", startingAt: 0)) ok")
            } catch {
                print("\(what.padding(toLength: 8, withPad: " ", startingAt: 0)) FAILED: \(error)")
                // Only a refusal says the credentials lack a right; an unreachable service or an
                // untrusted certificate says nothing about them, and is the problem to name.
                switch error as? StorageError {
                case .unreachable, .misconfigured: if otherProblem == nil { otherProblem = error }
                default: missing.append("\(what) (needed by \(by))")
                }
            }
        }
        print("storage:  \(storage.location)")
        step("list", needed: "list, prune, copy") { _ = try storage.list(prefix: "") }
        step("write", needed: "backup, copy to it") { try storage.save(name, data: payload, ifAbsent: true) }
        step("read", needed: "restore, verify, drill, copy from it") {
            guard try storage.read(name) == payload else { throw StorageError.consumer(name, message: "read back other bytes than were written") }
        }
        step("delete", needed: "prune") { try storage.delete(name) }
        if let otherProblem { throw CommandFailure(.failure, "\(otherProblem)") }
        guard missing.isEmpty else {
            throw CommandFailure(.failure, "\(storage.location): the credentials may not " + missing.joined(separator: ", "))
        }
    }
}

/// What `ping` found, as text or JSON.
struct PingReport: Encodable {
    let target: String
    let serverVersion: String
    let serverVersionNumber: Int
    let database: String
    let user: String
    let pgvector: String?
    let pgvectorSchema: String?
    let pgvectorAvailable: String?
    let tls: String?
    /// libpq's sslmode for this connection, and the CA file it verified the server with.
    let sslMode: String?
    let sslRootCert: String?

    init(_ connection: Connection) throws {
        target = connection.target.description
        serverVersion = connection.serverVersion
        serverVersionNumber = connection.serverVersionNumber
        database = connection.database
        user = try connection.queryRow("SELECT current_user AS u").decode(String.self, "u")
        let vector = try connection.query("""
            SELECT e.extversion, n.nspname
            FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'vector'
            """).rows.first
        pgvector = vector?["extversion"]
        pgvectorSchema = vector?["nspname"]
        pgvectorAvailable = try connection.query(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'").rows.first?["default_version"]
        tls = connection.tls
        sslMode = connection.option("sslmode")
        sslRootCert = connection.option("sslrootcert")
    }

    /// What the TLS line says about who the server proved to be.
    var verification: String {
        switch sslMode {
        case "verify-full": "sslmode=verify-full: certificate and host name verified against \(sslRootCert ?? "~/.postgresql/root.crt")"
        case "verify-ca": "sslmode=verify-ca: certificate verified against \(sslRootCert ?? "~/.postgresql/root.crt"), host name not checked"
        default: "sslmode=\(sslMode ?? "prefer"): the server's certificate is NOT verified (use sslmode=verify-full and sslrootcert)"
        }
    }

    var text: String {
        let vectorLine: String
        if let pgvector {
            vectorLine = "\(pgvector) (schema \(pgvectorSchema ?? "?"))"
        } else if let pgvectorAvailable {
            vectorLine = "not installed in this database (\(pgvectorAvailable) available)"
        } else {
            vectorLine = "not available on this server"
        }
        return """
            server:   PostgreSQL \(serverVersion) (\(serverVersionNumber))
            target:   \(target) as \(user)
            pgvector: \(vectorLine)
            tls:      \(tls.map { "\($0), \(verification)" } ?? "no (connection is not encrypted)")
            """
    }
}
