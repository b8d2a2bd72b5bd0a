import ArgumentParser
import ArkivArchive
import ArkivEngine
import ArkivPostgres
import Foundation

/// `--policy <file>`, the same on every command: the settings a job always runs with
/// (docs/POLICIES.md). A flag given on the command line wins over the policy; a value neither
/// gives falls back to the built-in default, or, where there is none, is a usage error naming
/// both the flag and the policy key.
struct PolicyOptions: ParsableArguments {
    @Option(name: .customLong("policy"), help: ArgumentHelp(
        "Read settings from this policy file (TOML, see docs/POLICIES.md); command-line flags override it.", valueName: "file"))
    var file: String?

    @OptionGroup var s3: S3Options

    init() {}

    /// The policy, read and checked. A refused file is a usage error listing every problem.
    /// Chooses the S3 endpoint and addressing of every bucket the command opens: the flags,
    /// else the policy's `[repository]` keys, else the environment.
    func load() throws -> PolicySettings {
        guard let file else {
            s3.choose(policy: nil)
            return PolicySettings(policy: nil)
        }
        do {
            let policy = try Policy.load(path: file)
            s3.choose(policy: policy)
            return PolicySettings(policy: policy)
        } catch {
            throw CommandFailure(.usage, "policy file refused:\n\(error)")
        }
    }
}

/// One command's view of flags and policy together: flag, else policy, else default.
struct PolicySettings {
    let policy: Policy?

    /// A value no run can do without.
    func required<T>(_ flag: T?, _ flagName: String, _ fromPolicy: (Policy) -> T?, key: String) throws -> T {
        if let flag { return flag }
        if let policy, let value = fromPolicy(policy) { return value }
        let hint = policy.map { "set \(key) in \($0.file)" } ?? "give --policy <file> with \(key)"
        throw CommandFailure(.usage, "missing \(flagName): pass \(flagName) or \(hint)")
    }

    /// The repository: `--repo`, else the policy's `[repository] path`.
    func repository(_ flag: String?) throws -> String {
        try required(flag, "--repo", { $0.repository }, key: "[repository] path")
    }

    func value<T>(_ flag: T?, _ fromPolicy: (Policy) -> T?, default: T) -> T {
        flag ?? policy.flatMap(fromPolicy) ?? `default`
    }

    func value<T>(_ flag: T?, _ fromPolicy: (Policy) -> T?) -> T? {
        flag ?? policy.flatMap(fromPolicy)
    }

    /// Lists replace, never merge: `--schema x` means only x, whatever the policy lists.
    func list<T>(_ flag: [T], _ fromPolicy: (Policy) -> [T]) -> [T] {
        !flag.isEmpty ? flag : policy.map(fromPolicy) ?? []
    }

    /// A server from `--x`/`--x-env`, else the policy's, else the `PG*` environment. `key` is
    /// the policy key naming an environment variable, for the message when it is not set.
    func connection(url: String?, environmentVariable: String?, _ fromPolicy: (Policy) -> ConnectionPolicy?,
                    key: String) throws -> ConnectionTarget {
        if url != nil || environmentVariable != nil {
            return try ConnectionOptions(url: url, urlEnvironmentVariable: environmentVariable).target()
        }
        if let policy, let connection = fromPolicy(policy) {
            do {
                return try connection.target(in: policy, key: key)
            } catch let error as PolicyError {
                throw CommandFailure(.usage, error.description)
            }
        }
        return try ConnectionOptions(url: nil, urlEnvironmentVariable: nil).target()
    }

    /// Identities from `--identity`, else the policy's `[restore] identity`.
    func identities(_ keys: SetKeyOptions) throws -> [Identity] {
        try KeySources.identities(files: list(keys.identities) { $0.restore.identities })
    }
}
