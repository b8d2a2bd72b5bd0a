import ArkivArchive
import ArkivRepository
import Foundation
import TOMLKit

extension Policy {
    /// Policy files are a screenful; anything this large is the wrong file.
    public static let maximumFileSize = 256 * 1024
    public static let maximumLineLength = 4096

    /// Reads and checks the policy file at `path`.
    public static func load(path: String) throws(PolicyError) -> Policy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyError(file: path, line: nil, key: nil, "cannot read the policy file (no such file, or not readable)")
        }
        return try parse(bytes: [UInt8](data), fileName: path)
    }

    /// Checks a policy from raw bytes (which must be UTF-8). Throws only `PolicyError`, whatever the input.
    public static func parse(bytes: [UInt8], fileName: String) throws(PolicyError) -> Policy {
        guard bytes.count <= maximumFileSize else {
            throw PolicyError(file: fileName, line: nil, key: nil, "larger than \(maximumFileSize / 1024) KiB: not a policy file")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            var line = 1
            for slice in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                if String(validating: slice, as: UTF8.self) == nil { break }
                line += 1
            }
            throw PolicyError(file: fileName, line: line, key: nil, "not UTF-8 text: save the file as UTF-8")
        }
        return try parse(text: text, fileName: fileName)
    }

    /// Checks a policy's text. `fileName` is used in messages and as the base for relative paths.
    /// Throws only `PolicyError`, listing every problem found, whatever the input.
    public static func parse(text: String, fileName: String) throws(PolicyError) -> Policy {
        guard text.utf8.count <= maximumFileSize else {
            throw PolicyError(file: fileName, line: nil, key: nil, "larger than \(maximumFileSize / 1024) KiB: not a policy file")
        }
        var layout: [PolicyError.Issue] = []
        for (number, line) in lines(of: text).enumerated() {
            // The parser reads a C string: a NUL would silently end the file there.
            if line.utf8.contains(0) { layout.append(.init(line: number + 1, key: nil, message: "contains a NUL byte")) }
            // Unicode line separators, which toml++ (3.x) asserts against in places.
            if line.unicodeScalars.contains(where: { ["\u{85}", "\u{2028}", "\u{2029}"].contains($0) }) {
                layout.append(.init(line: number + 1, key: nil, message: "contains a Unicode line separator (U+0085, U+2028 or U+2029)"))
            }
            if line.utf8.count > maximumLineLength {
                layout.append(.init(line: number + 1, key: nil, message: "line longer than \(maximumLineLength) bytes"))
            }
            if !headerStartsWithName(line) {
                layout.append(.init(line: number + 1, key: nil, message: "a section header needs a name right after '[': [section] or [[section]]"))
            }
        }
        guard layout.isEmpty else { throw PolicyError(file: fileName, issues: layout) }

        let scan = PolicyTextScan(text)
        if let (line, message) = scan.limitExceeded {
            throw PolicyError(file: fileName, line: line, key: nil, message)
        }
        // Secrets are looked for before the TOML parser runs, so no parser message can quote one.
        let secrets = secretsInText(text, scan: scan)
        guard secrets.isEmpty else { throw PolicyError(file: fileName, issues: secrets) }

        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw PolicyError(file: fileName, line: max(1, error.source.begin.line), key: nil, "not valid TOML: \(error.description)")
        } catch {
            throw PolicyError(file: fileName, line: nil, key: nil, "not valid TOML: \(error)")
        }

        var reader = PolicyReader(file: fileName, scan: scan)
        reader.findSecretValues(in: root, path: [])
        guard reader.issues.isEmpty else { throw PolicyError(file: fileName, issues: reader.issues) }
        var policy = reader.read(root)
        guard reader.issues.isEmpty else { throw PolicyError(file: fileName, issues: reader.issues) }
        policy.keyLines = scan.lines
        return policy
    }

    /// Secret-named keys and passwords in URLs or conninfo strings, line by line. A password
    /// in a comment counts too: the file is what gets committed.
    static func secretsInText(_ text: String, scan: PolicyTextScan) -> [PolicyError.Issue] {
        var issues: [PolicyError.Issue] = []
        for (path, line) in scan.keys where path.contains(where: PolicySecrets.isSecretName) {
            issues.append(.init(line: line, key: path.joined(separator: "."), message: secretAdvice("a key named like a secret")))
        }
        for (number, line) in lines(of: text).enumerated() {
            let line = String(line)
            let valuePart = line.trimmingCharacters(in: .whitespaces).hasPrefix("#") ? "" : String(line.drop { $0 != "=" }.dropFirst())
            if PolicySecrets.urlHasPassword(line) || PolicySecrets.conninfoHasPassword(valuePart) {
                let kind = PolicySecrets.urlHasPassword(line) ? "a connection URL with a password" : "a connection string with password="
                let key = scan.keys.last { $0.line == number + 1 }.map { $0.path.joined(separator: ".") }
                if !issues.contains(where: { $0.line == number + 1 }) {
                    issues.append(.init(line: number + 1, key: key, message: secretAdvice(kind)))
                }
            }
        }
        return issues.sorted { ($0.line ?? 0) < ($1.line ?? 0) }
    }

    /// False for a line that opens a table header with something other than a key, which
    /// toml++ (3.x) does not report but asserts against: such input must never reach it.
    /// Checked on every line, also inside multi-line values, so no reading of the context can
    /// let one through.
    static func headerStartsWithName(_ line: Substring) -> Bool {
        // Scalars, not Characters: a combining mark after '[' would hide it inside one Character.
        // Generous about what may precede a header (more lines checked), strict about what
        // may follow '[' (only what the parser itself skips).
        let leading: (Unicode.Scalar) -> Bool = { $0 == "\u{FEFF}" || ($0.properties.isWhitespace && $0 != "\n") }
        let blank: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" }
        var rest = line.unicodeScalars.drop(while: leading)
        guard rest.first == "[" else { return true }
        rest = rest.dropFirst().drop(while: blank)
        if rest.first == "[" { rest = rest.dropFirst().drop(while: blank) }
        guard let first = rest.first else { return false }
        return first == "]" || first == "\"" || first == "'" || first == "_" || first == "-"
            || (first.isASCII && CharacterSet.alphanumerics.contains(first))
    }

    /// Lines as the scanner and the TOML parser count them (Swift sees "\r\n" as one character).
    static func lines(of text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    }

    static func secretAdvice(_ kind: String) -> String {
        "\(kind): a policy file holds no passwords; use ~/.pgpass, PGPASSWORD, a service file, or put the URL "
            + "in an environment variable named by 'url-env' (passphrases: --passphrase-file or --passphrase-env)"
    }
}

/// Reads the checked TOML tree into a `Policy`, collecting every problem with its line.
struct PolicyReader {
    let file: String
    let scan: PolicyTextScan
    let baseDirectory: URL
    var issues: [PolicyError.Issue] = []

    init(file: String, scan: PolicyTextScan) {
        self.file = file
        self.scan = scan
        baseDirectory = URL(fileURLWithPath: file).deletingLastPathComponent()
    }

    mutating func fail(_ key: String, _ message: String) {
        issues.append(.init(line: scan.line(of: key), key: key, message: message))
    }

    /// Secret-named keys, and string values anywhere (also under unknown keys and in arrays)
    /// that carry a password.
    mutating func findSecretValues(in value: any TOMLValueConvertible, path: [String]) {
        guard path.count <= PolicyTextScan.maximumKeyDepth + PolicyTextScan.maximumNesting + 2 else { return }
        switch value.type {
        case .string:
            if let text = value.string, let kind = PolicySecrets.secret(in: text) {
                fail(path.joined(separator: "."), Policy.secretAdvice(kind))
            }
        case .array:
            for element in value.array.map(Array.init) ?? [] { findSecretValues(in: element, path: path) }
        case .table:
            guard let table = value.table else { return }
            for key in table.keys {
                // The scanner found secret-named keys already; this catches any it read otherwise.
                if PolicySecrets.isSecretName(key) {
                    fail((path + [key]).joined(separator: "."), Policy.secretAdvice("a key named like a secret"))
                    continue
                }
                guard let child = table[key] else { continue }
                findSecretValues(in: child, path: path + [key])
            }
        default:
            break
        }
    }

    mutating func read(_ root: TOMLTable) -> Policy {
        var policy = Policy(file: file)
        for key in root.keys.sorted() where PolicyKeys.sections[key] == nil {
            let hint = PolicyKeys.suggestion(for: key, inSection: nil)
            fail(key, "unknown " + (root[key]?.type == .table ? "section" : "key") + (hint.map { "; \($0)" } ?? ""))
        }
        if let source = section("source", root) { policy.source = readSource(source) }
        if let repository = section("repository", root) {
            // A bucket is taken as written; a directory is resolved against the policy's folder.
            let text = string("repository.path", repository["path"])
            policy.repository = text?.hasPrefix("s3://") == true ? text : path("repository.path", repository["path"])
            policy.repositoryS3 = S3Access(endpoint: string("repository.s3-endpoint", repository["s3-endpoint"]),
                                           pathStyle: boolean("repository.s3-path-style", repository["s3-path-style"]) ?? false)
        }
        if let archive = section("archive", root) { policy.archive = readArchive(archive) }
        if let retention = section("retention", root) { policy.retention = readRetention(retention) }
        if let drill = section("drill", root) { policy.drill = readDrill(drill) }
        if let metrics = section("metrics", root) {
            let old = path("metrics.file", metrics["file"]), drill = path("metrics.drill-file", metrics["drill-file"])
            if old != nil && drill != nil { fail("metrics.file", "give drill-file (file is its older name), not both") }
            policy.metricsFile = drill ?? old
            policy.backupMetricsFile = path("metrics.backup-file", metrics["backup-file"])
            if let backup = policy.backupMetricsFile, backup == policy.metricsFile {
                fail("metrics.backup-file", "the backup and the drill each need their own file (the collector refuses a metric two files define)")
            }
        }
        if let offsite = section("offsite", root) {
            let text = string("offsite.repository", offsite["repository"])
            // A bucket is taken as written; a directory like [repository] path.
            if let text, let repository = text.hasPrefix("s3://") ? text : path("offsite.repository", offsite["repository"]) {
                var policyOffsite = OffsitePolicy(repository: repository)
                policyOffsite.s3Endpoint = string("offsite.s3-endpoint", offsite["s3-endpoint"])
                policyOffsite.s3PathStyle = boolean("offsite.s3-path-style", offsite["s3-path-style"])
                policy.offsite = policyOffsite
            } else {
                fail("offsite.repository", "give the offsite repository: a directory or s3://BUCKET/PREFIX")
            }
        }
        if let restore = section("restore", root) {
            policy.restore.jobs = integer("restore.jobs", restore["jobs"], in: 1...64)
            policy.restore.identities = paths("restore.identity", restore["identity"], singleAllowed: true)
            if let size = string("restore.maintenance-work-mem", restore["maintenance-work-mem"]) {
                if RestoreOptions.isMemorySize(size) { policy.restore.maintenanceWorkMemory = size } else {
                    fail("restore.maintenance-work-mem", "a size such as \"512MB\" or \"2GB\" (a whole number and kB, MB, GB or TB)")
                }
            }
        }
        return policy
    }

    // MARK: Sections

    mutating func readSource(_ table: TOMLTable) -> SourcePolicy {
        var source = SourcePolicy()
        let urlEnvironment = environmentName("source.url-env", table["url-env"])
        let service = string("source.service", table["service"])
        var parameters = ConnectionParameters()
        parameters.host = string("source.host", table["host"])
        parameters.port = integer("source.port", table["port"], in: 1...65535)
        parameters.dbname = string("source.dbname", table["dbname"])
        parameters.user = string("source.user", table["user"])
        parameters.sslmode = choice("source.sslmode", table["sslmode"],
                                    from: ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"])
        parameters.sslrootcert = path("source.sslrootcert", table["sslrootcert"])
        let given = [urlEnvironment != nil ? "url-env" : nil, service != nil ? "service" : nil,
                     parameters != ConnectionParameters() ? "host/port/dbname/user" : nil].compactMap { $0 }
        if given.count > 1 {
            fail("source", "give one way to connect, not \(given.joined(separator: " and ")): url-env, service, or host/port/dbname/user")
        } else if let urlEnvironment {
            source.connection = .environment(variable: urlEnvironment)
        } else if let service {
            source.connection = .service(service)
        } else if parameters != ConnectionParameters() {
            source.connection = .parameters(parameters)
        }
        source.schemas = names("source.schemas", table["schemas"])
        source.excludeSchemas = names("source.exclude-schemas", table["exclude-schemas"])
        source.excludeTableData = names("source.exclude-table-data", table["exclude-table-data"])
        source.largeObjects = boolean("source.large-objects", table["large-objects"])
        for name in source.excludeTableData where !name.contains(".") {
            fail("source.exclude-table-data", "'\(name)' is not schema.table")
        }
        return source
    }

    mutating func readArchive(_ table: TOMLTable) -> ArchivePolicy {
        var archive = ArchivePolicy()
        archive.codec = choice("archive.codec", table["codec"], from: ["zstd", "gzip", "none"])
        if let level = integer("archive.level", table["level"], in: 1...19) {
            switch archive.codec ?? "zstd" {
            case "gzip" where level > 9: fail("archive.level", "gzip levels are 1–9, found \(level)")
            case "none": fail("archive.level", "codec 'none' takes no level")
            default: archive.level = level
            }
        }
        for entry in strings("archive.recipients", table["recipients"]) {
            if entry.hasPrefix(Recipient.prefix) {
                do { _ = try Recipient(entry); archive.recipients.append(entry) } catch {
                    fail("archive.recipients", "\(error)")
                }
            } else if entry.isEmpty {
                fail("archive.recipients", "an empty entry: give a recipient (\(Recipient.prefix)…) or a file of recipients")
            } else {
                archive.recipientFiles.append(resolved(entry))
            }
        }
        archive.jobs = integer("archive.jobs", table["jobs"], in: 1...64)
        if let label = string("archive.label", table["label"]) {
            do { _ = try BackupID(label: label); archive.label = label } catch {
                fail("archive.label", "a label is 1–40 characters of a–z, 0–9 and inner dashes")
            }
        }
        archive.pin = boolean("archive.pin", table["pin"])
        return archive
    }

    mutating func readRetention(_ table: TOMLTable) -> RetentionPolicy {
        let counts = ["keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly"].map {
            integer("retention.\($0)", table[$0], in: 1...100_000, zeroHint: "leave the key out to keep none by this rule")
        }
        var retention = RetentionPolicy(
            keepLast: counts[0], keepHourly: counts[1], keepDaily: counts[2], keepWeekly: counts[3],
            keepMonthly: counts[4], keepYearly: counts[5], keepWithin: duration("retention.keep-within", table["keep-within"]))
        if let grace = duration("retention.incomplete-grace", table["incomplete-grace"]) {
            if grace < RetentionPolicy.minimumIncompleteGrace {
                fail("retention.incomplete-grace", "at least 1h: a shorter grace could remove a backup that is still running")
            } else {
                retention.incompleteGrace = grace
            }
        }
        if !retention.keepsSomething && !issues.contains(where: { $0.key?.hasPrefix("retention.") ?? false }) {
            fail("retention", "keeps nothing: set at least one of keep-last, keep-hourly, keep-daily, keep-weekly, keep-monthly, keep-yearly, keep-within")
        }
        return retention
    }

    mutating func readDrill(_ table: TOMLTable) -> DrillPolicy {
        var drill = DrillPolicy()
        let environment = environmentName("drill.target-env", table["target-env"])
        let service = string("drill.target-service", table["target-service"])
        if environment != nil && service != nil {
            fail("drill.target-env", "give target-env or target-service, not both")
        } else {
            drill.target = environment.map { .environment(variable: $0) } ?? service.map { .service($0) }
        }
        if let text = string("drill.schedule", table["schedule"]) {
            if let schedule = DrillSchedule(text) { drill.schedule = schedule } else {
                fail("drill.schedule", "'\(text.prefix(40))' is not a schedule: use \(DrillSchedule.syntax)")
            }
        }
        drill.keep = boolean("drill.keep", table["keep"])
        drill.stateDirectory = path("drill.state-dir", table["state-dir"])
        return drill
    }

    // MARK: Values

    /// A section (a table), with its keys checked against the known ones.
    mutating func section(_ name: String, _ root: TOMLTable) -> TOMLTable? {
        guard let value = root[name] else { return nil }
        guard let table = value.table else {
            fail(name, "expected a section ([\(name)]), found \(Self.describe(value.type))")
            return nil
        }
        let known = PolicyKeys.sections[name] ?? []
        for key in table.keys.sorted() where !known.contains(key) {
            let hint = PolicyKeys.suggestion(for: key, inSection: name)
            fail("\(name).\(key)", "unknown key in [\(name)]" + (hint.map { "; \($0)" } ?? ""))
        }
        return table
    }

    mutating func typed<T>(_ key: String, _ value: (any TOMLValueConvertible)?, _ expected: TOMLType,
                           _ extract: (any TOMLValueConvertible) -> T?) -> T? {
        guard let value else { return nil }
        guard value.type == expected, let result = extract(value) else {
            fail(key, "expected \(Self.describe(expected)), found \(Self.describe(value.type))")
            return nil
        }
        return result
    }

    mutating func string(_ key: String, _ value: (any TOMLValueConvertible)?) -> String? {
        guard let text = typed(key, value, .string, { $0.string }) else { return nil }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            fail(key, "is empty: give a value or leave the key out")
            return nil
        }
        return text
    }

    mutating func integer(_ key: String, _ value: (any TOMLValueConvertible)?, in range: ClosedRange<Int>, zeroHint: String? = nil) -> Int? {
        guard let number = typed(key, value, .int, { $0.int }) else { return nil }
        guard range.contains(number) else {
            fail(key, "\(number) is out of range: expected \(range.lowerBound)–\(range.upperBound)"
                 + (number == 0 ? zeroHint.map { " (\($0))" } ?? "" : ""))
            return nil
        }
        return number
    }

    mutating func boolean(_ key: String, _ value: (any TOMLValueConvertible)?) -> Bool? {
        typed(key, value, .bool, { $0.bool })
    }

    mutating func choice(_ key: String, _ value: (any TOMLValueConvertible)?, from choices: [String]) -> String? {
        guard let text = string(key, value) else { return nil }
        guard choices.contains(text) else {
            fail(key, "'\(text.prefix(40))' is not one of \(choices.joined(separator: ", "))")
            return nil
        }
        return text
    }

    mutating func duration(_ key: String, _ value: (any TOMLValueConvertible)?) -> TimeInterval? {
        guard let text = string(key, value) else { return nil }
        guard let seconds = DurationText.parse(text), seconds > 0 else {
            fail(key, "'\(text.prefix(40))' is not a duration: write e.g. 30d, 2w, 12h or 1d12h (units s, m, h, d, w; at most 100 years)")
            return nil
        }
        return seconds
    }

    /// An array of strings (or, where allowed, one string).
    mutating func strings(_ key: String, _ value: (any TOMLValueConvertible)?, singleAllowed: Bool = false) -> [String] {
        guard let value else { return [] }
        if singleAllowed, value.type == .string, let single = value.string { return [single] }
        guard let array = value.array else {
            fail(key, "expected an array of strings" + (singleAllowed ? " or a string" : "") + ", found \(Self.describe(value.type))")
            return []
        }
        var result: [String] = []
        for element in array {
            guard let text = element.string else {
                fail(key, "expected an array of strings, found \(Self.describe(element.type)) in it")
                return []
            }
            result.append(text)
        }
        return result
    }

    /// Schema or table names: non-empty, each once.
    mutating func names(_ key: String, _ value: (any TOMLValueConvertible)?) -> [String] {
        let list = strings(key, value)
        if list.contains(where: { $0.isEmpty }) { fail(key, "an empty name") }
        if Set(list).count != list.count { fail(key, "a name is listed twice") }
        return list
    }

    mutating func environmentName(_ key: String, _ value: (any TOMLValueConvertible)?) -> String? {
        guard let name = string(key, value) else { return nil }
        let valid = name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0)) }
            && !(name.first?.isNumber ?? true)
        guard valid else {
            fail(key, "expects the name of an environment variable (letters, digits, _), "
                 + (name.contains("://") || name.contains("=") ? "not a URL: export the URL in a variable and name the variable here" : "found something else"))
            return nil
        }
        return name
    }

    mutating func path(_ key: String, _ value: (any TOMLValueConvertible)?) -> String? {
        string(key, value).map(resolved)
    }

    mutating func paths(_ key: String, _ value: (any TOMLValueConvertible)?, singleAllowed: Bool) -> [String] {
        let list = strings(key, value, singleAllowed: singleAllowed)
        if list.contains(where: { $0.isEmpty }) { fail(key, "an empty path") }
        return list.map(resolved)
    }

    /// Relative paths are relative to the policy file's folder (cron's working directory is
    /// rarely where the policy is); `~/` is the home folder.
    func resolved(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") { return NSHomeDirectory() + path.dropFirst(1) }
        return baseDirectory.appendingPathComponent(path).standardizedFileURL.path
    }

    static func describe(_ type: TOMLType) -> String {
        switch type {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a floating-point number"
        case .bool: "a boolean"
        case .table: "a table"
        case .array: "an array"
        case .date: "a date"
        case .time: "a time"
        case .dateTime: "a date-time"
        }
    }
}
