import ArgumentParser
import ArkivArchive
import ArkivEngine
import ArkivRepository
import Foundation

/// `arkiv show <id>`: everything one set claims, and every time it was proved.
///
/// Like `list`, it needs no key: the manifest is read without authentication, which
/// `verify archive` (with the identity) provides.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one backup set: tables, rows, sizes, vector facts, exclusions, verifications and drills.")

    @Argument(help: ArgumentHelp("The backup id, or latest.", valueName: "backup-id"))
    var set: String

    @Option(help: ArgumentHelp("The repository: a directory or s3://BUCKET/PREFIX.", valueName: "dir"))
    var repo: String?

    @OptionGroup var policy: PolicyOptions

    @Flag(help: "Print JSON (stable field names, for scripts).")
    var json = false

    func run() throws {
        let path = try policy.load().repository(repo)
        let stored = StoredSets(storage: try RepositoryLocation(path).open())
        let id = try stored.complete(set)
        let manifest = try stored.manifest(id).manifest
        let bytes = try stored.sets().first { $0.id == id }?.bytes ?? 0
        let details = SetDetails(id: id, manifest: manifest, pinState: stored.pinState(of: id, pinnedAtBackup: manifest.pinned), bytes: Int(bytes),
                                 verifications: stored.verifications(of: id),
                                 drills: DrillRunner.history(repository: path).filter { $0.set == id.rawValue })
        print(json ? try RecordJSON.string(details) : details.text())
    }
}

/// What `arkiv show` prints; the JSON form is the scripting contract.
struct SetDetails: Encodable {
    struct Table: Encodable {
        let schema: String
        let name: String
        let rows: UInt64
        let plaintextBytes: UInt64
        let storedBytes: UInt64
        let copyFormat: String
        let vectorColumns: [Manifest.VectorColumn]
    }

    let id: String
    let createdAt: Date
    let label: String?
    let pinned: Bool
    let pin: String
    /// Bytes on disk of the set folder.
    let bytes: Int
    let authenticated = false
    let tool: String
    let source: Manifest.Source
    let cipher: String
    let recipients: [String]
    let passphrase: Bool
    let codec: Manifest.CodecInfo
    let schemas: [String]
    let extensions: [Manifest.ExtensionEntry]
    let tables: [Table]
    let excluded: [Manifest.ExcludedObject]
    /// How many large objects the set holds, and their bytes; nil when it holds none.
    let largeObjects: LargeObjectsSummary?
    let requires: [Manifest.Requirement]
    let verifications: [VerificationRecord]
    let drills: [DrillReport]

    init(id set: BackupID, manifest: Manifest, pinState: PinState, bytes: Int, verifications: [VerificationRecord], drills: [DrillReport]) {
        id = set.rawValue
        createdAt = set.createdAt
        label = set.label
        pinned = pinState.isPinned
        pin = pinState.description
        self.bytes = bytes
        tool = manifest.tool
        source = manifest.source
        cipher = manifest.encryption.cipher
        recipients = manifest.encryption.recipientKeyIDs
        passphrase = manifest.encryption.hasPassphrase
        codec = manifest.codec
        schemas = manifest.schemas.map(\.name)
        extensions = manifest.extensions
        tables = manifest.tables.map {
            Table(schema: $0.schema, name: $0.name, rows: $0.rows, plaintextBytes: $0.plaintextBytes, storedBytes: $0.storedBytes,
                  copyFormat: $0.copyFormat, vectorColumns: $0.vectorColumns)
        }
        excluded = manifest.excluded
        largeObjects = manifest.largeObjects.map { LargeObjectsSummary(count: $0.count, bytes: $0.data.plaintextBytes, storedBytes: $0.data.storedBytes) }
        requires = manifest.requires
        self.verifications = verifications
        self.drills = drills
    }

    func text(now: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        let rows = tables.reduce(UInt64(0)) { $0 + $1.rows }
        let keys = (recipients.isEmpty ? [] : ["recipients " + recipients.joined(separator: ", ")]) + (passphrase ? ["passphrase"] : [])
        var lines = [
            "set         \(id)",
            "created     \(formatter.string(from: createdAt)) (\(SetListing.age(since: createdAt, now: now)) ago)",
            "label       \(label ?? "-")",
            "pinned      \(pin)",
            "source      \(source.target), PostgreSQL \(source.serverVersion)",
            "encryption  \(cipher)\(keys.isEmpty ? "" : ": " + keys.joined(separator: "; "))",
            "codec       \(codec.name)\(codec.level.map { " level \($0)" } ?? "")",
            "size        \(ProgressReporter.bytes(Int64(bytes))) on disk, \(tables.count) tables, \(rows) rows, schemas \(schemas.joined(separator: ", "))",
            "manifest    read without its key: `arkiv-verify archive \(id) --identity …` proves it",
            "",
        ]
        lines.append(TextTable.render(
            header: ["TABLE", "ROWS", "BYTES", "STORED", "COPY", "VECTORS"],
            rows: tables.map { table in
                [table.schema + "." + table.name, String(table.rows),
                 ProgressReporter.bytes(Int64(table.plaintextBytes)), ProgressReporter.bytes(Int64(table.storedBytes)), table.copyFormat,
                 table.vectorColumns.map(Self.vectorText).joined(separator: "; ")]
            }))
        if let largeObjects {
            lines.append("large objects \(largeObjects.count), \(ProgressReporter.bytes(Int64(largeObjects.bytes))) as copied, "
                         + "\(ProgressReporter.bytes(Int64(largeObjects.storedBytes))) stored")
        }
        lines.append("")
        if excluded.isEmpty {
            lines.append("excluded    nothing")
        } else {
            lines.append(TextTable.render(header: ["EXCLUDED", "NAME", "REASON"], rows: excluded.map { [$0.kind, $0.name, $0.reason] }))
        }
        if !requires.isEmpty {
            lines.append("")
            lines.append(TextTable.render(header: ["REQUIRES FROM OUTSIDE", "OBJECT"], rows: requires.map { [$0.needs, $0.object] }))
        }
        lines.append("")
        if verifications.isEmpty {
            lines.append("verified    never (arkiv-verify archive \(id) --quick)")
        } else {
            lines.append(TextTable.render(
                header: ["VERIFIED (UTC)", "MODE", "RESULT", "CHECKS", "DIFFERENCES", "SECONDS"],
                rows: verifications.map {
                    [formatter.string(from: $0.startedAt), $0.mode, $0.passed ? "ok" : "FAILED", String($0.checks), String($0.differences),
                     String(format: "%.1f", $0.seconds)]
                }))
        }
        lines.append("")
        if drills.isEmpty {
            lines.append("drilled     never")
        } else {
            lines.append(TextTable.render(
                header: ["DRILLED (UTC)", "RESULT", "RESTORE", "VERIFY", "DIFFERENCES", "FAILURE"],
                rows: drills.map {
                    [formatter.string(from: $0.startedAt), $0.passed ? "passed" : "FAILED", String(format: "%.1f s", $0.restoreSeconds),
                     String(format: "%.1f s", $0.verifySeconds), String($0.differences.count), $0.error.map { String($0.prefix(80)) } ?? ""]
                }))
        }
        return lines.joined(separator: "\n")
    }

    /// `embedding: dim 1536, 3 NULL, observed 1536–1536`.
    static func vectorText(_ column: Manifest.VectorColumn) -> String {
        let declared = column.declaredDimension.map { "dim \($0)" } ?? "dim any"
        let observed: String
        if let low = column.minDimension, let high = column.maxDimension {
            observed = low == high ? "observed \(low)" : "observed \(low)–\(high)"
        } else {
            observed = "no values"
        }
        return "\(column.name): \(declared), \(column.nullCount) NULL, \(observed)"
    }
}

struct LargeObjectsSummary: Codable {
    let count: Int
    let bytes: UInt64
    let storedBytes: UInt64
}
