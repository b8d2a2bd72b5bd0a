import ArkivArchive
import ArkivRepository
import ArkivTestSupport
import Foundation
import Testing

/// `--policy` on real commands: values from the file, flags over them, usage errors (exit 2)
/// that name the flag, the file, the line and the key.
@Suite("--policy on the commands")
struct PolicyCommandTests {
    /// A folder of its own, holding the policy, its identity and (relative to the policy) its repository.
    private func workspace() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-policy-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    private func write(_ text: String, to url: URL) throws -> String {
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("backup takes source, schemas, repository, recipients, label and pin from the policy, flags override; list, verify and drill follow the same policy",
          arguments: [TestServer.pg16])
    func backupWithPolicy(server: TestServer) throws {
        let folder = try workspace()
        let identity = folder.appendingPathComponent("identity").path
        let key = try runExecutable("arkiv", ["keygen", "-o", identity])
        #expect(key.status == 0, "\(key.stderr)")
        let recipient = key.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let policy = try write("""
            [source]
            url-env = "ARKIV_POLICY_TEST_SOURCE"
            schemas = ["vault", "billy", "renos", "crm", "flow", "shared"]

            [repository]
            path = "repo"

            [archive]
            recipients = ["\(recipient)"]
            label = "nightly"
            pin = true
            jobs = 2

            [restore]
            identity = "identity"

            [drill]
            target-env = "ARKIV_POLICY_TEST_DRILL"
            schedule = "daily"

            [metrics]
            file = "drill.prom"
            """, to: folder.appendingPathComponent("nightly.toml"))
        let environment = ["ARKIV_POLICY_TEST_SOURCE": try server.url(database: "workspace"),
                           "ARKIV_POLICY_TEST_DRILL": try server.url(database: "postgres")]

        let backup = try runExecutable("arkiv", ["backup", "--policy", policy, "--label", "adhoc", "--no-pin", "--schema", "crm", "--schema", "flow", "--json"], environment: environment)
        #expect(backup.status == 0, "\(backup.stderr)")
        let repository = try LocalRepository(path: folder.appendingPathComponent("repo").path)
        let sets = try repository.sets()
        #expect(sets.count == 1)
        let set = try #require(sets.first)
        #expect(set.id.label == "adhoc", "--label overrides the policy's label")
        let manifest = try set.readManifest().manifest
        #expect(manifest.pinned == false, "--no-pin overrides the policy's pin = true")
        // crm and flow refer to nothing outside themselves: whichever set is newest, the drill below
        // can restore it into an empty scratch database.
        #expect(Set(manifest.tables.map(\.schema)) == ["crm", "flow"], "--schema replaces the policy's list")
        #expect(manifest.encryption.recipientKeyIDs == [try Recipient(recipient).keyID.description])
        let password = try #require(URLComponents(string: try server.url())?.password)
        #expect(!backup.stderr.contains(password) && !backup.stdout.contains(password))

        // Without the flags, the policy's own label and pin.
        let second = try runExecutable("arkiv-backup", ["--policy", policy], environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        let pinned = try repository.sets().filter { $0.id.label == "nightly" }
        #expect(pinned.count == 1)
        let nightly = try #require(try pinned.first?.readManifest().manifest)
        #expect(nightly.pinned == true)
        #expect(Set(nightly.tables.map(\.schema)) == ["vault", "billy", "renos", "crm", "flow", "shared"])

        // list finds the repository through the policy, relative to the policy's folder.
        let list = try runExecutable("arkiv", ["list", "--policy", policy, "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["label"] as? String }) == ["adhoc", "nightly"])
        // show, pin and unpin find it the same way.
        let adhoc = set.id.rawValue
        #expect(try runExecutable("arkiv", ["pin", adhoc, "--policy", policy]).status == 0)
        let shown = try runExecutable("arkiv", ["show", adhoc, "--policy", policy, "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains(adhoc))
        #expect(try runExecutable("arkiv", ["unpin", adhoc, "--policy", policy]).status == 0)

        // A full verify decrypts with the policy's [restore] identity.
        let verify = try runExecutable("arkiv-verify", ["archive", "latest", "--policy", policy])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("— OK"))

        // The drill: server, identity and metrics file from the policy; then not due again today.
        let drill = try runExecutable("arkiv-drill", ["--policy", policy, "--if-due"], environment: environment)
        #expect(drill.status == 0, "\(drill.stdout)\(drill.stderr)")
        #expect(drill.stdout.contains("PASSED"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("drill.prom").path))
        let again = try runExecutable("arkiv-drill", ["--policy", policy, "--if-due"], environment: environment)
        #expect(again.status == 0)
        #expect(again.stdout.hasPrefix("no drill due"), "\(again.stdout)")
        let reports = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("repo/drills").path)
        #expect(reports.count == 1, "the second run did not drill")
    }

    @Test("every command's help offers --policy and exits 0",
          arguments: [("arkiv-backup", []), ("arkiv-restore", []), ("arkiv-verify", ["archive"]), ("arkiv-verify", ["restored"]),
                      ("arkiv-verify", ["compare"]), ("arkiv-drill", []), ("arkiv-prune", []), ("arkiv", ["list"]),
                      ("arkiv", ["show"]), ("arkiv", ["pin"]), ("arkiv", ["unpin"]), ("arkiv", ["backup"])])
    func help(executable: String, subcommand: [String]) throws {
        let outcome = try runExecutable(executable, subcommand + ["--help"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("--policy <file>"), "\(outcome.stdout)")
    }

    @Test("a value neither flag nor policy gives is a usage error naming both")
    func missingRepository() throws {
        let bare = try runExecutable("arkiv", ["list"])
        #expect(bare.status == 2)
        #expect(bare.stderr.contains("missing --repo: pass --repo or give --policy <file> with [repository] path"), "\(bare.stderr)")

        let folder = try workspace()
        let policy = try write("[archive]\nlabel = \"x\"\n", to: folder.appendingPathComponent("no-repo.toml"))
        let outcome = try runExecutable("arkiv-drill", ["--policy", policy])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("missing --repo: pass --repo or set [repository] path in \(policy)"), "\(outcome.stderr)")

        let absent = folder.appendingPathComponent("absent.toml").path
        let missing = try runExecutable("arkiv", ["list", "--policy", absent])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("\(absent): cannot read the policy file"), "\(missing.stderr)")
    }

    @Test("a refused policy stops every command with exit 2, naming file, line and key, never the secret",
          arguments: ["arkiv-backup", "arkiv-restore", "arkiv-verify", "arkiv-drill", "arkiv"])
    func refusedPolicy(executable: String) throws {
        let folder = try workspace()
        let policy = try write("""
            [repository]
            path = "/tmp/never-created-\(UUID().uuidString)"

            [source]
            url-env = "X"
            password = "Hunter2Secret"

            [retention]
            keep-daily = "7"
            """, to: folder.appendingPathComponent("bad.toml"))
        let arguments: [String] = switch executable {
        case "arkiv-restore": ["latest", "--scratch", "--policy", policy]
        case "arkiv-verify": ["archive", "latest", "--quick", "--policy", policy]
        case "arkiv": ["list", "--policy", policy]
        default: ["--policy", policy]
        }
        let outcome = try runExecutable(executable, arguments)
        #expect(outcome.status == 2, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("\(policy):6: key 'source.password': a key named like a secret"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("Hunter2Secret") && !outcome.stdout.contains("Hunter2Secret"))

        let typo = try write("[repository]\npath = \"r\"\n[retention]\nkeep-daily = \"7\"\nkeep-wekly = 4\n", to: folder.appendingPathComponent("typo.toml"))
        let typoOutcome = try runExecutable(executable, arguments.map { $0 == policy ? typo : $0 })
        #expect(typoOutcome.status == 2)
        #expect(typoOutcome.stderr.contains("\(typo):4: key 'retention.keep-daily': expected an integer, found a string"), "\(typoOutcome.stderr)")
        #expect(typoOutcome.stderr.contains("\(typo):5: key 'retention.keep-wekly': unknown key in [retention]; did you mean 'keep-weekly'?"))
    }

    @Test("an environment variable the policy names but nobody set is a usage error at its line; nothing is written")
    func unsetSourceVariable() throws {
        let folder = try workspace()
        let policy = try write("""
            [repository]
            path = "repo"
            [source]
            url-env = "ARKIV_POLICY_TEST_NEVER_SET"
            """, to: folder.appendingPathComponent("p.toml"))
        let outcome = try runExecutable("arkiv-backup", ["--policy", policy, "--no-encryption"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("\(policy):4: key 'source.url-env': environment variable ARKIV_POLICY_TEST_NEVER_SET is not set or empty"),
                "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("repo").path))
    }
}
