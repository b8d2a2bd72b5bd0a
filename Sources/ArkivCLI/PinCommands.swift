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

    @Option(help: ArgumentHelp("The repository directory.", valueName: "dir"))
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

    @Option(help: ArgumentHelp("The repository directory.", valueName: "dir"))
    var repo: String?

    @OptionGroup var policy: PolicyOptions

    @Option(help: ArgumentHelp("Why it is unpinned (kept in the record).", valueName: "text"))
    var note: String?

    func run() throws {
        try PinChange.apply(pinned: false, set: set, repo: try policy.load().repository(repo), note: note)
    }
}

enum PinChange {
    static func apply(pinned: Bool, set: String, repo: String, note: String?) throws {
        if case .s3 = try RepositoryLocation(repo) {
            try applyStored(pinned: pinned, set: set, storage: try RepositoryLocation(repo).open(), note: note)
            return
        }
        let repository = try LocalRepository(path: repo)
        let lock = try repository.lock(command: pinned ? "arkiv pin" : "arkiv unpin")
        defer { lock.release() }
        let entry = try repository.set(set)
        let pinnedAtBackup: Bool
        do {
            pinnedAtBackup = try entry.readManifest().manifest.pinned
        } catch {
            throw CommandFailure(.failure, "cannot read the manifest of \(entry.id): \(error); check it with arkiv-verify archive \(entry.id)")
        }
        let before = repository.pinState(of: entry.id, pinnedAtBackup: pinnedAtBackup)
        if case .unreadableRecord = before {
            // Rewritten below: the new word replaces a record nobody can read.
        } else if before.isPinned == pinned {
            print("\(entry.id) is already \(pinned ? "pinned" : "not pinned"): \(before.description)")
            return
        }
        try repository.setPinned(pinned, entry, note: note, holding: lock)
        let after = repository.pinState(of: entry.id, pinnedAtBackup: pinnedAtBackup)
        print("\(entry.id): \(pinned ? "pinned" : "unpinned") — \(after.description)")
    }

    /// The same in a bucket: the record is the object `pins/<id>.json`, written under the lock.
    static func applyStored(pinned: Bool, set: String, storage: any Storage, note: String?) throws {
        let lock = try StorageLock(storage: storage, command: pinned ? "arkiv pin" : "arkiv unpin")
        defer { lock.release() }
        let stored = StoredSets(storage: storage)
        let id = try stored.complete(set)
        _ = try stored.manifest(id)
        try stored.setPinned(pinned, id, note: note, holding: lock)
        print("\(id): \(pinned ? "pinned" : "unpinned") in \(storage.location)")
    }
}

