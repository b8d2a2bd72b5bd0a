import ArkivArchive
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// Keys as a careful but human operator handles them: copied by hand, put in files, given as
/// the wrong kind of file. A mistake is caught before anything is written, and says what to do.
@Suite("Key mistakes")
struct KeyMistakeTests {
    static let server = TestServer.pg16

    @Test("keygen and recipient print a checked recipient; one wrong, missing or extra character is refused before anything is written; the older unchecked form still works, with a warning to re-copy it",
          arguments: [TestServer.pg16])
    func recipientChecksum(server: TestServer) throws {
        let work = Fault.temporaryPath("recipients")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let identity = work + "/identity"
        let recipient = try runExecutable("arkiv", ["keygen", "-o", identity]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(recipient.hasPrefix("arkiv1pub-") && recipient.count == "arkiv1pub-".count + 48, "\(recipient)")
        #expect(try runExecutable("arkiv", ["recipient", identity]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == recipient)

        let environment = ["SOURCE_URL": try server.url(database: "workspace")]
        let backup = { (key: String, repo: String) in
            try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--recipient", key, "--schema", "flow"],
                              environment: environment)
        }
        var body = Array(recipient.dropFirst("arkiv1pub-".count))
        let position = 20
        body[position] = body[position] == "A" ? "B" : "A"
        let typos = ["arkiv1pub-" + String(body), String(recipient.dropLast()), recipient + "x"]
        for typo in typos {
            let repo = work + "/repo-typo"
            let refused = try backup(typo, repo)
            #expect(refused.status != 0, "\(typo)")
            #expect(refused.stderr.contains("copy it again"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: repo), "nothing written for \(typo)")
        }

        // The older form: the same key without its checksum.
        let key = try #require(Base64URLForTest.decode(String(recipient.dropFirst("arkiv1pub-".count))))
        let old = "arkiv1pub-" + Base64URLForTest.encode(Array(key.prefix(32)))
        let repo = work + "/repo"
        let accepted = try backup(old, repo)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stderr.contains("older form without a checksum") && accepted.stderr.contains("arkiv recipient IDENTITY-FILE"), "\(accepted.stderr)")
        let verify = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo, "--identity", identity])
        #expect(verify.status == 0, "the older form names the same key: \(verify.stdout)\(verify.stderr)")
    }

    @Test("one passphrase rule: a set made with --passphrase-env opens with the break-glass --passphrase-file holding the same line; a passphrase file others can read is refused; an identity given as a directory or a pipe gets a clear error",
          arguments: [TestServer.pg16])
    func passphraseAndIdentityFiles(server: TestServer) throws {
        let work = Fault.temporaryPath("passphrase")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let repo = work + "/repo", file = work + "/passphrase.txt"
        let environment = ["SOURCE_URL": try server.url(database: "workspace"), "ARKIV_PASS": "correct horse battery staple\n"]
        let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--passphrase-env", "ARKIV_PASS",
                                                        "--schema", "flow"], environment: environment)
        #expect(backup.status == 0, "\(backup.stderr)")
        try "correct horse battery staple\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let opened = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo, "--passphrase-file", file])
        #expect(opened.status == 0, "\(opened.stdout)\(opened.stderr)")
        let fromEnvironment = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo, "--passphrase-env", "ARKIV_PASS"],
                                                environment: environment)
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.stdout)\(fromEnvironment.stderr)")

        chmod(file, 0o644)
        let exposed = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo, "--passphrase-file", file])
        #expect(exposed.status != 0)
        #expect(exposed.stderr.contains("chmod 600 \(file)"), "\(exposed.stderr)")

        let directory = work + "/identity-dir", pipe = work + "/identity-pipe"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        try #require(mkfifo(pipe, 0o600) == 0)
        for (path, words) in [(directory, "it is a directory"), (pipe, "not a regular file")] {
            let outcome = try runExecutable("arkiv-verify", ["archive", "latest", "--repo", repo, "--identity", path])
            #expect(outcome.status == 1, "\(path): \(outcome.stderr)")
            #expect(outcome.stderr.contains(path) && outcome.stderr.contains(words), "\(outcome.stderr)")
        }
    }
}

/// base64url without padding, for building the older recipient form in a test.
enum Base64URLForTest {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
