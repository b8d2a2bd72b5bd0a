import ArgumentParser
import ArkivEngine
import ArkivRepository
import Foundation

/// `arkiv copy`: complete sets from one repository to another (disk or S3, either way), the
/// offsite copy of 3-2-1. No key needed; every file's SHA-256 checked against the manifest.
struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy complete backup sets between repositories (a directory or s3://BUCKET/PREFIX), checking every file.",
        discussion: """
            Sets the destination already holds are skipped; an interrupted copy is resumed by running it again \
            (files already there are re-hashed and kept when they match). The manifest is copied last, so the \
            destination never holds a set that looks complete but is not. Exit 0 when every set is there, 1 when \
            a copy failed, 3 when a source file does not match its manifest (that set is not copied).
            """)

    @Argument(help: ArgumentHelp("Backup ids, or latest (default: latest).", valueName: "backup-id"))
    var sets: [String] = []

    @Flag(help: "Copy every complete set of the source.")
    var all = false

    @Option(help: ArgumentHelp("The source repository: a directory or s3://BUCKET/PREFIX (default: the policy's [repository] path).", valueName: "repo"))
    var from: String?

    @Option(help: ArgumentHelp("The destination repository: a directory (made if missing) or s3://BUCKET/PREFIX (default: the policy's [offsite] repository).", valueName: "repo"))
    var to: String?

    @OptionGroup var policy: PolicyOptions

    @Flag(help: "Print one JSON object per set on stdout.")
    var json = false

    func validate() throws {
        if all && !sets.isEmpty { throw ValidationError("give backup ids or --all, not both") }
        if from != nil, from == to { throw ValidationError("--from and --to name the same repository") }
    }

    func run() throws {
        let settings = try policy.load()
        let offsite = settings.policy?.offsite
        let from = try settings.repository(self.from)
        let to = try settings.required(self.to, "--to", { $0.offsite?.repository }, key: "[offsite] repository")
        // The offsite repository of the policy is reached with its own endpoint; the flags win.
        let offsiteAccess = self.to == nil ? offsite : nil
        let source = try RepositoryLocation(from).open()
        let destination = try RepositoryLocation(to).open(create: true, s3Endpoint: policy.s3.endpoint ?? offsiteAccess?.s3Endpoint,
                                                          s3PathStyle: policy.s3.pathStyle || offsiteAccess?.s3PathStyle == true)
        let copier = SetCopier(source: source, destination: destination)
        let complete = try copier.completeSets()
        var chosen: [BackupID] = []
        if all {
            chosen = complete
        } else {
            for wanted in sets.isEmpty ? ["latest"] : sets {
                if wanted == "latest" {
                    guard let newest = complete.last else { throw CommandFailure(.failure, "no complete backup set in \(source.location)") }
                    chosen.append(newest)
                } else {
                    let id = try BackupID(parsing: wanted)
                    guard complete.contains(id) else { throw CommandFailure(.failure, "no complete backup set \(wanted) in \(source.location); see arkiv list") }
                    chosen.append(id)
                }
            }
        }
        // The destination is written like a backup writes it, under its lock (a prune there must
        // not take a set being copied, dated as it was made, for an old incomplete one); each set
        // read is leased, so a prune of the source keeps it until it is copied.
        let lock = try destination.lock(command: "arkiv copy")
        defer { lock.release() }
        var failures: [String] = [], damaged = false
        for id in chosen {
            let started = Date()
            do {
                let lease = try source.lease(id, command: "arkiv copy")
                defer { lease.release() }
                let outcome = try copier.copy(id)
                let seconds = Date().timeIntervalSince(started)
                switch outcome {
                case .present:
                    emit(id, "present", "already complete in \(destination.location)", seconds: seconds)
                case .copied(let files, let bytes, let reused):
                    emit(id, "copied", "\(files) files, \(ProgressReporter.bytes(Int64(bytes)))" + (reused > 0 ? ", \(reused) already there" : "")
                         + String(format: " in %.1f s", seconds), seconds: seconds, bytes: bytes)
                }
            } catch {
                if error is SetCopier.CopyError, case .checksumMismatch = error as? SetCopier.CopyError { damaged = true }
                let again = (error as? StorageError)?.isTransient == true ? " (a passing failure: run the copy again, it resumes)" : ""
                failures.append("\(id): \(error)\(again)")
                emit(id, "failed", "\(error)", seconds: Date().timeIntervalSince(started))
            }
        }
        if !failures.isEmpty {
            throw CommandFailure(damaged ? .differenceFound : .failure,
                                 "\(failures.count) of \(chosen.count) sets not copied to \(destination.location):\n  " + failures.joined(separator: "\n  "))
        }
    }

    private func emit(_ id: BackupID, _ state: String, _ detail: String, seconds: Double, bytes: UInt64 = 0) {
        if json {
            let object: [String: Any] = ["set": id.rawValue, "state": state, "detail": detail, "seconds": (seconds * 1000).rounded() / 1000, "bytes": bytes]
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) { print(String(decoding: data, as: UTF8.self)) }
        } else {
            print("\(id): \(state): \(detail)")
        }
    }
}

/// How S3 repositories are reached beyond the environment (credentials never come from here).
struct S3Options: ParsableArguments {
    @Option(name: .customLong("s3-endpoint"), help: ArgumentHelp("The S3 endpoint URL (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS).", valueName: "url"))
    var endpoint: String?

    @Flag(name: .customLong("s3-path-style"), help: "Address the bucket in the path, not the host name (automatic for an IP address or localhost).")
    var pathStyle = false

    func open(_ location: RepositoryLocation, create: Bool) throws -> any Storage {
        try location.open(create: create, s3Endpoint: endpoint, s3PathStyle: pathStyle)
    }

    func choose(policy: Policy?) {
        S3Access.choose(S3Access(endpoint: endpoint ?? policy?.repositoryS3.endpoint,
                                 pathStyle: pathStyle || policy?.repositoryS3.pathStyle == true))
    }
}
