import ArgumentParser
import ArkivArchive
import ArkivEngine
import ArkivRepository
import Foundation

/// `arkiv list`: the backup sets of a repository, for people and for scripts.
///
/// Needs no key: the listing reads manifests without authenticating them (that needs the data
/// key), so what it shows is what the set claims; `arkiv-verify` proves it.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the backup sets in a repository.")

    @Option(help: ArgumentHelp("The repository directory.", valueName: "dir"))
    var repo: String?

    @OptionGroup var policy: PolicyOptions

    @Flag(help: "Also list incomplete sets (a backup that did not finish).")
    var all = false

    @Flag(help: "Print a JSON array (stable field names, for scripts).")
    var json = false

    func run() throws {
        let settings = try policy.load()
        let repository = try LocalRepository(path: try settings.required(repo, "--repo", { $0.repository }, key: "[repository] path"))
        let entries = try repository.sets(includeIncomplete: all).map(SetListing.init)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
        } else {
            print(SetListing.table(entries))
        }
    }
}

/// One line of `arkiv list`; its JSON form is the scripting contract.
struct SetListing: Encodable {
    let id: String
    let createdAt: Date
    let label: String?
    let pinned: Bool
    let complete: Bool
    /// Bytes on disk of everything in the set folder.
    let bytes: Int
    let tables: Int?
    let rows: UInt64?
    let encrypted: Bool?
    let recipients: [String]?
    let database: String?
    /// Why a set's manifest could not be read, when it could not.
    let problem: String?

    init(_ entry: SetEntry) {
        id = entry.id.rawValue
        createdAt = entry.id.createdAt
        label = entry.id.label
        complete = entry.isComplete
        bytes = entry.totalBytes
        var manifest: Manifest?
        var problem: String?
        if entry.isComplete {
            do { manifest = try entry.readManifest().manifest } catch { problem = "\(error)" }
        }
        pinned = manifest?.pinned ?? false
        tables = manifest?.tables.count
        rows = manifest.map { $0.tables.reduce(0) { $0 + $1.rows } }
        encrypted = manifest?.encryption.isEncrypted
        recipients = manifest?.encryption.recipientKeyIDs
        database = manifest?.source.database
        self.problem = problem
    }

    static func table(_ entries: [SetListing]) -> String {
        guard !entries.isEmpty else { return "no backup sets" }
        let formatter = ISO8601DateFormatter()
        let header = ["ID", "CREATED (UTC)", "AGE", "SIZE", "TABLES", "ROWS", "PINNED", "STATE"]
        let rows = entries.map { entry -> [String] in
            [entry.id, formatter.string(from: entry.createdAt), age(since: entry.createdAt),
             ProgressReporter.bytes(Int64(entry.bytes)), entry.tables.map(String.init) ?? "-", entry.rows.map(String.init) ?? "-",
             entry.pinned ? "yes" : "", entry.problem != nil ? "unreadable manifest" : entry.complete ? "complete" : "INCOMPLETE"]
        }
        return TextTable.render(header: header, rows: rows)
    }

    static func age(since date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch seconds {
        case ..<3600: return "\(seconds / 60)m"
        case ..<86400: return "\(seconds / 3600)h"
        default: return "\(seconds / 86400)d"
        }
    }
}

/// Left-aligned columns for terminal tables.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
