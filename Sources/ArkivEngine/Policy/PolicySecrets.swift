/// Recognises secrets in a policy file, so a policy can be committed, copied and shown
/// without leaking anything. Policies name where secrets live (an environment variable,
/// ~/.pgpass, a service file, an identity file), never the secrets themselves.
enum PolicySecrets {
    static let secretWords = ["password", "passwd", "passphrase", "secret"]

    /// Whether a key segment is named like a secret (`password`, `db-passphrase`, `secret_key`, …).
    static func isSecretName(_ segment: String) -> Bool {
        let lowered = segment.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }

    /// What kind of secret `text` holds, or nil. The description never quotes the secret.
    static func secret(in text: String) -> String? {
        if urlHasPassword(text) { return "a connection URL with a password (user:password@host)" }
        if conninfoHasPassword(text) { return "a connection string with password=" }
        return nil
    }

    /// `scheme://user:password@host…`, anywhere in the text.
    static func urlHasPassword(_ text: String) -> Bool {
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
            let authority = rest.prefix { !"/?#\"' \t\r\n".contains($0) }
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                if let colon = userInfo.firstIndex(of: ":"), userInfo.index(after: colon) < userInfo.endIndex {
                    return true
                }
            }
        }
        return false
    }

    /// `password=…` (libpq conninfo, `PGPASSWORD=…`), spaces around `=` allowed.
    static func conninfoHasPassword(_ text: String) -> Bool {
        let lowered = text.lowercased()
        var rest = Substring(lowered)
        while let word = rest.range(of: "password") {
            rest = rest[word.upperBound...]
            if rest.drop(while: { $0 == " " || $0 == "\t" }).first == "=" { return true }
        }
        return false
    }
}
