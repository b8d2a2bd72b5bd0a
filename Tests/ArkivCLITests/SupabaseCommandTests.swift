import ArkivPostgres
import ArkivTestSupport
import Foundation
import Testing

/// The command line against the Supabase stand-in: what an operator sees, and the exit codes.
@Suite("Supabase on the command line")
struct SupabaseCommandTests {
    @Test("ping over TLS verify-full says what it verified; a wrong CA fails, exit 1, saying so")
    func pingTLS() throws {
        let url = try SupabaseStandIn.url()
        let ok = try runExecutable("arkiv", ["ping", "--url-env", "PING_URL"], environment: ["PING_URL": url])
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        #expect(ok.stdout.contains("tls:      TLSv1.3"), "\(ok.stdout)")
        #expect(ok.stdout.contains("sslmode=verify-full: certificate and host name verified against \(try SupabaseStandIn.caFile())"), "\(ok.stdout)")
        #expect(ok.stdout.contains("pgvector: 0.8.5 (schema extensions)"), "\(ok.stdout)")
        #expect(ok.stdout.contains("as postgres"))

        let wrongCA = url.replacingOccurrences(of: try SupabaseStandIn.caFile(), with: try SupabaseStandIn.wrongCAFile())
        let refused = try runExecutable("arkiv", ["ping", "--url-env", "PING_URL"], environment: ["PING_URL": wrongCA])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("certificate verify failed"), "\(refused.stderr)")
        #expect(refused.stderr.contains("not signed by the CA in \(try SupabaseStandIn.wrongCAFile()): wrong CA certificate"), "\(refused.stderr)")
        #expect(!refused.stderr.contains(try #require(URLComponents(string: url)?.password)))
    }

    @Test("backup from Supabase names what it left out and why; restore without --supabase-compat exits 1 before loading, with it exits 0")
    func backupAndRestore() throws {
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-sb-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: repo) }
        let environment = ["SOURCE_URL": try SupabaseStandIn.url(), "TARGET_URL": try SupabaseStandIn.plainURL()]
        let schemas = ["vault", "shared", "billy", "renos", "crm", "flow"].flatMap { ["--schema", $0] }
        let backup = try runExecutable("arkiv-backup", ["--source-env", "SOURCE_URL", "--repo", repo, "--no-encryption"] + schemas,
                                       environment: environment)
        #expect(backup.status == 0, "stderr: \(backup.stderr)")
        #expect(backup.stdout.contains("3 objects (function, table, view): belongs to extension supabase_vault, which recreates it"), "\(backup.stdout)")
        #expect(backup.stdout.contains("vault.documents"))
        #expect(!backup.stdout.contains("vault.secrets "))

        let name = "arkiv_sbcli_\(UInt32.random(in: 0...UInt32.max))"
        let refused = try runExecutable("arkiv-restore", ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", name,
                                                           "--role-map", "authenticated=sb_cli_absent"], environment: environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("nothing was changed"), "\(refused.stderr)")
        #expect(refused.stderr.contains("needs function auth.uid(), which the target lacks; add --supabase-compat"), "\(refused.stderr)")
        #expect(refused.stderr.contains("role sb_cli_absent (mapped from authenticated by --role-map) does not exist"), "\(refused.stderr)")

        let restored = try runExecutable("arkiv-restore", ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--scratch", "--scratch-name", name,
                                                            "--supabase-compat"], environment: environment)
        let admin = try Connection(try SupabaseStandIn.plainURL())
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        #expect(restored.status == 0, "stderr: \(restored.stderr)")
        #expect(restored.stdout.contains("53 tables"), "\(restored.stdout)")
        let bad = try runExecutable("arkiv-restore", ["latest", "--repo", repo, "--target-env", "TARGET_URL", "--scratch", "--role-map", "nonsense"],
                                    environment: environment)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--role-map takes old=new"), "\(bad.stderr)")
    }
}
