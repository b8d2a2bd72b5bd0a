import ArkivArchive
import ArkivPostgres

/// The scratch database is created with the source database's encoding and locale: a restore
/// into another collation holds the same rows but sorts text differently, and with it `ORDER BY`,
/// range queries and the order of every text index; a drill on such a copy would prove the wrong
/// thing. pg_dump's `--create` does the same.
enum ScratchDatabase {
    /// How the database will be created: the source's locale, or the server's default when the
    /// set records none (older sets) or the restorer asked for it (`--target-locale`).
    static func createStatement(_ name: String, locale: Manifest.DatabaseLocale?, on admin: Connection) throws -> String {
        var sql = "CREATE DATABASE \(try admin.quoteIdentifier(name)) TEMPLATE template0"
        guard let locale else { return sql + " ENCODING 'UTF8'" }
        sql += " ENCODING \(try admin.quoteLiteral(locale.encoding))"
        // LOCALE_PROVIDER exists from 15; before it every database is libc (checked in `problems`).
        if admin.serverVersionNumber >= 150000 { sql += " LOCALE_PROVIDER \(locale.provider)" }
        sql += " LC_COLLATE \(try admin.quoteLiteral(locale.collate)) LC_CTYPE \(try admin.quoteLiteral(locale.ctype))"
        if let providerLocale = locale.providerLocale {
            switch locale.provider {
            case "icu": sql += " ICU_LOCALE \(try admin.quoteLiteral(providerLocale))"
            case "builtin": sql += " BUILTIN_LOCALE \(try admin.quoteLiteral(providerLocale))"
            default: break
            }
        }
        if let rules = locale.icuRules, locale.provider == "icu" { sql += " ICU_RULES \(try admin.quoteLiteral(rules))" }
        return sql
    }

    /// What the target server lacks to create the database as the source had it, each with the
    /// fix. The locale is tried as a temporary collation in a transaction that is rolled back:
    /// the server resolves it exactly as CREATE DATABASE would, and nothing is left behind.
    static func problems(_ locale: Manifest.DatabaseLocale, on admin: Connection) throws -> [String] {
        let fix = "install it on the target server, or pass --target-locale to create the scratch database with the server's default (text then sorts differently)"
        let version = admin.serverVersionNumber
        if try admin.queryRow("SELECT pg_catalog.pg_char_to_encoding($1) >= 0 AS known", [locale.encoding]).decode(Bool.self, "known") == false {
            return ["the source database's encoding \(locale.encoding) is unknown to the target server; pass --target-locale to use the server's default"]
        }
        switch locale.provider {
        case "icu" where version < 150000, "builtin" where version < 170000:
            return ["the source database uses the \(locale.provider) locale provider (\(locale.providerLocale ?? "?")), which PostgreSQL \(version / 10000) lacks; "
                    + "restore to a newer server, or pass --target-locale to create the scratch database with the server's default (text then sorts differently)"]
        default:
            break
        }
        var probes: [(what: String, sql: String)] = []
        if locale.collate == locale.ctype {
            probes.append(("libc locale \(locale.collate)", "CREATE COLLATION pg_temp.arkiv_locale_probe (LOCALE = \(try admin.quoteLiteral(locale.collate)))"))
        } else {
            probes.append(("libc locale \(locale.collate) (LC_COLLATE) / \(locale.ctype) (LC_CTYPE)",
                           "CREATE COLLATION pg_temp.arkiv_locale_probe (LC_COLLATE = \(try admin.quoteLiteral(locale.collate)), LC_CTYPE = \(try admin.quoteLiteral(locale.ctype)))"))
        }
        if locale.provider == "icu", let icu = locale.providerLocale {
            probes.append(("ICU locale \(icu)", "CREATE COLLATION pg_temp.arkiv_icu_probe (PROVIDER = icu, LOCALE = \(try admin.quoteLiteral(icu)))"))
        }
        var problems: [String] = []
        for probe in probes {
            try admin.execute("BEGIN")
            do {
                try admin.execute(probe.sql)
                try admin.execute("ROLLBACK")
            } catch {
                guard error.kind == .query else { throw error }
                try admin.execute("ROLLBACK")
                problems.append("the source database uses \(probe.what), which the target server cannot load (\(error.message)): \(fix)")
            }
        }
        return problems
    }

    /// How an existing database differs from the source's locale, for a warning: the rows are
    /// the same, but text sorts and compares as the target database says.
    static func difference(_ locale: Manifest.DatabaseLocale, from target: Manifest.DatabaseLocale) -> String? {
        guard locale != target else { return nil }
        return "database locale differs: the source had \(locale.summary), the target has \(target.summary); text sorts and compares as the target says"
    }
}

extension Manifest.DatabaseLocale {
    /// `UTF8 icu C.UTF-8 da-DK`: encoding, provider, collation (/ctype where they differ), provider locale.
    var summary: String {
        [encoding, provider, collate == ctype ? collate : "\(collate)/\(ctype)", providerLocale, icuRules.map { "rules \($0)" }]
            .compactMap { $0 }.joined(separator: " ")
    }
}
