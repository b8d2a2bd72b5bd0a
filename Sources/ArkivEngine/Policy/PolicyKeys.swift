/// The keys a policy file may hold, section by section: what unknown keys are checked against
/// and where "did you mean" looks.
enum PolicyKeys {
    static let sections: [String: [String]] = [
        "source": ["url-env", "service", "host", "port", "dbname", "user", "sslmode", "sslrootcert",
                   "schemas", "exclude-schemas", "exclude-table-data", "large-objects"],
        "repository": ["path", "s3-endpoint", "s3-path-style"],
        "archive": ["codec", "level", "recipients", "jobs", "label", "pin"],
        "retention": ["keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly",
                      "keep-within", "incomplete-grace"],
        "drill": ["target-env", "target-service", "schedule", "keep", "state-dir"],
        "metrics": ["file", "drill-file", "backup-file"],
        "offsite": ["repository", "s3-endpoint", "s3-path-style"],
        "restore": ["jobs", "identity", "maintenance-work-mem"],
    ]

    /// Keys people reach for that arkiv spells otherwise, with the reason.
    static let explained: [String: String] = [
        "source.exclude-tables": "arkiv keeps every table's definition; to leave a table's rows out use 'exclude-table-data'",
        "source.url": "policies hold no URLs (they may carry passwords): put the URL in an environment variable and name it with 'url-env'",
        "drill.target": "name the drill server with 'target-env' (an environment variable holding its URL) or 'target-service'",
    ]

    /// "did you mean" for an unknown key: a known key of the same section within a small edit
    /// distance, or the section where that key belongs.
    static func suggestion(for key: String, inSection section: String?) -> String? {
        if let section, let reason = explained["\(section).\(key)"] { return reason }
        let candidates = section.map { sections[$0] ?? [] } ?? Array(sections.keys)
        let limit = key.count <= 4 ? 1 : 2
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(key.lowercased(), candidate)
            if distance <= limit, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        if let best { return section == nil ? "did you mean [\(best.name)]?" : "did you mean '\(best.name)'?" }
        let elsewhere = sections.filter { $0.key != section && $0.value.contains(key) }.map(\.key).sorted()
        if let home = elsewhere.first { return "'\(key)' belongs in [\(home)]" }
        return nil
    }

    /// Levenshtein distance; policy keys are short, so the quadratic table is nothing.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.prefix(64)), b = Array(b.prefix(64))
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
