import ArkivArchive
@testable import ArkivEngine
import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

@Suite("The scratch database's encoding and locale")
struct DatabaseLocaleTests {
    /// Words whose order differs between byte order and Danish, where æ, ø, å (and aa) come after z.
    static let words = ["zebra", "ål", "aaben", "æble", "øl", "abe", "Zulu"]

    private func loadWords(_ target: ConnectionTarget) throws {
        let connection = try Connection(target)
        try connection.execute("CREATE SCHEMA ord; CREATE TABLE ord.words (id int PRIMARY KEY, w text NOT NULL UNIQUE)")
        for (index, word) in Self.words.enumerated() {
            _ = try connection.query("INSERT INTO ord.words VALUES ($1, $2)", [index, word])
        }
    }

    private func sorted(_ connection: Connection) throws -> String {
        try connection.queryRow("SELECT string_agg(w, ',' ORDER BY w) AS s FROM ord.words").decode(String.self, "s")
    }

    private func locale(of database: String, on server: TestServer) throws -> (encoding: String, collate: String, ctype: String, provider: String, icu: String?) {
        let row = try server.connect().queryRow("""
            SELECT pg_encoding_to_char(encoding) AS e, datcollate AS c, datctype AS t, datlocprovider::text AS p, daticulocale AS i
            FROM pg_database WHERE datname = $1
            """, [database])
        return (try row.decode(String.self, "e"), try row.decode(String.self, "c"), try row.decode(String.self, "t"), try row.decode(String.self, "p"), row["i"])
    }

    @Test("a LATIN1 database with locale C comes back as LATIN1 with locale C, its text intact, on a server whose default is UTF8 / C.UTF-8")
    func encodingAndLibcLocale() throws {
        try withScratchDatabase(on: .pg16, creating: " TEMPLATE template0 ENCODING 'LATIN1' LOCALE 'C'") { source in
            try loadWords(source)
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["ord"]
            let backup = try fixture.backup(backupOptions)
            #expect(backup.manifest.source.locale == Manifest.DatabaseLocale(encoding: "LATIN1", provider: "libc", collate: "C", ctype: "C"))

            let name = "arkiv_locale_\(UInt32.random(in: 0...UInt32.max))"
            let result = try fixture.restore(try fixture.restoreOptions(server: .pg16, destination: .scratch(name: name)))
            defer { BackupFixture.drop(result.database, on: .pg16) }
            let restored = try locale(of: name, on: .pg16)
            #expect(restored.encoding == "LATIN1" && restored.collate == "C" && restored.ctype == "C" && restored.provider == "c")
            #expect(try sorted(TestServer.pg16.connect(database: name)) == sorted(Connection(source)))
            #expect(try TestServer.pg16.connect(database: name).queryRow("SELECT w FROM ord.words WHERE id = 1").decode(String.self, "w") == "ål")
            var compare = CompareVerifier(source: source, target: try TestServer.pg16.target(database: name))
            compare.schemas = ["ord"]
            let report = try compare.run()
            #expect(report.passed, "\(report.differences)")
            #expect(report.checks.contains { $0.check == "encoding and locale" && $0.actual == "LATIN1 libc C" })
        }
    }

    @Test("with --target-locale, and into an existing database, the target's own locale is used and the difference is named")
    func targetLocale() throws {
        try withScratchDatabase(on: .pg16, creating: " TEMPLATE template0 ENCODING 'LATIN1' LOCALE 'C'") { source in
            try loadWords(source)
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["ord"]
            _ = try fixture.backup(backupOptions)

            let name = "arkiv_locale_\(UInt32.random(in: 0...UInt32.max))"
            var options = try fixture.restoreOptions(server: .pg16, destination: .scratch(name: name))
            options.targetLocale = true
            _ = try fixture.restore(options)
            defer { BackupFixture.drop(name, on: .pg16) }
            let restored = try locale(of: name, on: .pg16)
            let server = try locale(of: "template0", on: .pg16)
            #expect(restored.encoding == "UTF8" && restored.collate == server.collate, "\(restored)")
            var compare = CompareVerifier(source: source, target: try TestServer.pg16.target(database: name))
            compare.schemas = ["ord"]
            let differences = try compare.run().differences
            #expect(differences.map(\.check) == ["encoding and locale"], "\(differences)")

            // Into an existing database (UTF8, the server's locale): restored, with a warning.
            try withScratchDatabase(on: .pg16) { existing in
                var into = RestoreOptions(repository: fixture.repository, set: "latest", target: existing, destination: .existing(clean: false))
                into.identities = [fixture.identity]
                let log = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-locale-\(UUID().uuidString).jsonl")
                FileManager.default.createFile(atPath: log.path, contents: nil)
                defer { try? FileManager.default.removeItem(at: log) }
                let handle = try FileHandle(forWritingTo: log)
                _ = try RestoreRunner(options: into, reporter: ProgressReporter(mode: .jsonLines, output: handle)).run()
                try handle.close()
                let text = try String(contentsOf: log, encoding: .utf8)
                #expect(text.contains("database locale differs: the source had LATIN1 libc C"), "\(text)")
                #expect(try Connection(existing).queryRow("SELECT count(*) AS n FROM ord.words").decode(Int.self, "n") == Self.words.count)
            }
        }
    }

    @Test("an ICU (da-DK) database from PostgreSQL 15 sorts as Danish after the restore; a server without ICU refuses it before creating anything")
    func icuLocale() throws {
        try withScratchDatabase(on: .pg15, creating: " TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'da-DK'") { source in
            try loadWords(source)
            let danish = try sorted(Connection(source))
            // The test means something only if Danish order differs from byte order.
            #expect(danish != Self.words.sorted().joined(separator: ","), "\(danish)")
            let fixture = try BackupFixture()
            var backupOptions = fixture.options(source: source)
            backupOptions.schemas = ["ord"]
            let backup = try fixture.backup(backupOptions)
            #expect(backup.manifest.source.locale?.provider == "icu" && backup.manifest.source.locale?.providerLocale == "da-DK")

            // The 16 server is built without ICU: refused in the preflight, naming the locale and the way out.
            let refused = "arkiv_noicu_\(UInt32.random(in: 0...UInt32.max))"
            let error = try #require(throws: RestoreError.self) {
                try fixture.restore(try fixture.restoreOptions(server: .pg16, destination: .scratch(name: refused)))
            }
            #expect("\(error)".contains("ICU locale da-DK") && "\(error)".contains("--target-locale"), "\(error)")
            #expect(try TestServer.pg16.connect().query("SELECT 1 FROM pg_database WHERE datname = $1", [refused]).rows.isEmpty)

            // The 15 server has ICU: the scratch database is da-DK and sorts as the source did.
            let name = "arkiv_icu_\(UInt32.random(in: 0...UInt32.max))"
            _ = try fixture.restore(try fixture.restoreOptions(server: .pg15, destination: .scratch(name: name)))
            defer { BackupFixture.drop(name, on: .pg15) }
            let restored = try locale(of: name, on: .pg15)
            #expect(restored.provider == "i" && restored.icu == "da-DK", "\(restored)")
            #expect(try sorted(TestServer.pg15.connect(database: name)) == danish)
        }
    }
}
