import ArgumentParser
import ArkivArchive
import ArkivRepository
import Foundation

/// `arkiv pin <id>`: retention never removes the set until it is unpinned.
struct PinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Pin a backup set: prune never removes it.",
        discussion: "The pin is a record in <repo>/pins/ (the manifest is authenticated and never rewritten). Takes the repository lock.")

    @Argument(help: ArgumentHelp("The backup id, or latest.", valueName: "backup-id"))
    var set: String

    @Option(help: ArgumentHelp("The repository: a directory or s3://BUCKET/PREFIX.", valueName: "dir"))
    var repo: String?

    @OptionGroup var policy: PolicyOptions

    @Option(help: ArgumentHelp("Why it is pinned (kept in the record).", valueName: "text"))
    var note: String?

    func run() throws {
        try PinChange.apply(pinned: true, set: set, repo: try policy.load().repository(repo), note: note)
    }
}

/// `arkiv unpin <id>`: the set is subject to retention again, also when pinned at backup time.
struct UnpinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpin",
        abstract: "Unpin a backup set, also one pinned at backup time (--pin): prune may remove it again.",
        discussion: "Writes a record in <repo>/pins/ that overrides the manifest's pinned flag. Takes the repository lock.")

    @Argument(help: ArgumentHelp("The backup id, or latest.", valueName: "backup-id"))
    var set: String

    @Option(help: ArgumentHelp("The repository: a directory or s3://BUCKET/PREFIX.", valueName: "dir"))
    var repo: String?

    @OptionGroup var policy: PolicyOptions

    @Option(help: ArgumentHelp("Why it is unpinned (kept in the record).", valueName: "text"))
    var note: String?

    func run() throws {
        try PinChange.apply(pinned: false, set: set, repo: try policy.load().repository(repo), note: note)
    }
}

/// A pin or unpin of a complete set, on any repository: the record `pins/<id>.json`, written under
/// the repository's lock by the repository layer.
enum PinChange {
    static func apply(pinned: Bool, set: String, repo: String, note: String?) throws {
        let storage = try RepositoryLocation(repo).open()
        let lock = try storage.lock(command: pinned ? "arkiv pin" : "arkiv unpin")
        defer { lock.release() }
        let stored = StoredSets(storage: storage)
        let id = try stored.complete(set)
        let pinnedAtBackup: Bool
        do {
            pinnedAtBackup = try stored.manifest(id).manifest.pinned
        } catch {
            throw CommandFailure(.failure, "cannot read the manifest of \(id): \(error); check it with arkiv-verify archive \(id)")
        }
        let before = stored.pinState(of: id, pinnedAtBackup: pinnedAtBackup)
        if case .unreadableRecord = before {
            // Rewritten below: the new word replaces a record nobody can read.
        } else if before.isPinned == pinned {
            print("\(id) is already \(pinned ? "pinned" : "not pinned"): \(before.description)")
            return
        }
        try stored.setPinned(pinned, id, note: note, holding: lock)
        let after = stored.pinState(of: id, pinnedAtBackup: pinnedAtBackup)
        print("\(id): \(pinned ? "pinned" : "unpinned") — \(after.description)")
    }
}
