import ArkivRepository
import Foundation

/// A policy file: the settings one job (a nightly backup, a drill, a pre-cutover snapshot)
/// always runs with, so cron lines stay short and every run of the job is the same.
/// Command-line flags override it. docs/POLICIES.md documents every key.
public struct Policy: Sendable, Equatable {
    /// The file as it was named when read (messages name it so).
    public var file: String
    public var source = SourcePolicy()
    /// `[repository] path`.
    public var repository: String?
    /// `[repository] s3-endpoint` and `s3-path-style`, for a repository in a bucket.
    public var repositoryS3 = S3Access()
    public var archive = ArchivePolicy()
    /// `[retention]`; nil when the file has no such section.
    public var retention: RetentionPolicy?
    public var drill = DrillPolicy()
    /// `[metrics] drill-file` (or its older name `file`): the Prometheus textfile drills write.
    public var metricsFile: String?
    /// `[metrics] backup-file`: the Prometheus textfile backups write.
    public var backupMetricsFile: String?
    /// `[offsite]`: where `arkiv copy --policy` (the nightly `copy` step) puts the sets.
    public var offsite: OffsitePolicy?
    public var restore = RestorePolicy()
    /// Where each key was written, for problems found only when a value is used (an
    /// environment variable that is not set).
    var keyLines: [String: Int] = [:]

    public init(file: String) {
        self.file = file
    }

    /// A problem with a value of this policy found when it is used, at the key's line.
    public func problem(_ key: String, _ message: String) -> PolicyError {
        var path = key.split(separator: ".").map(String.init)
        var line: Int?
        while !path.isEmpty, line == nil {
            line = keyLines[path.joined(separator: ".")]
            path.removeLast()
        }
        return PolicyError(file: file, line: line, key: key, message)
    }
}

/// How to reach a server without writing a password: libpq does the rest (`~/.pgpass`,
/// service files, `PG*` variables).
public enum ConnectionPolicy: Sendable, Equatable {
    /// The name of an environment variable holding the URL or conninfo.
    case environment(variable: String)
    /// A libpq service name (`~/.pg_service.conf`).
    case service(String)
    /// Connection keywords; the password comes from `~/.pgpass` or `PGPASSWORD`.
    case parameters(ConnectionParameters)
}

public struct ConnectionParameters: Sendable, Equatable {
    public var host: String?
    public var port: Int?
    public var dbname: String?
    public var user: String?
    public var sslmode: String?
    public var sslrootcert: String?

    public init(host: String? = nil, port: Int? = nil, dbname: String? = nil, user: String? = nil,
                sslmode: String? = nil, sslrootcert: String? = nil) {
        self.host = host
        self.port = port
        self.dbname = dbname
        self.user = user
        self.sslmode = sslmode
        self.sslrootcert = sslrootcert
    }
}

/// `[source]`: the database backed up, and what of it.
public struct SourcePolicy: Sendable, Equatable {
    /// nil: the `PG*` environment, as without a policy.
    public var connection: ConnectionPolicy?
    public var schemas: [String] = []
    public var excludeSchemas: [String] = []
    /// `schema.table` names whose rows are left out (their definitions are kept).
    public var excludeTableData: [String] = []
    /// Take the database's large objects; nil: with a backup of the whole database only.
    public var largeObjects: Bool?

    public init() {}
}

/// `[archive]`: how sets are written.
public struct ArchivePolicy: Sendable, Equatable {
    /// `zstd`, `gzip` or `none`.
    public var codec: String?
    public var level: Int?
    /// `arkiv1pub-…` recipient strings.
    public var recipients: [String] = []
    /// Files of recipients, one per line.
    public var recipientFiles: [String] = []
    public var jobs: Int?
    public var label: String?
    public var pin: Bool?

    public init() {}
}

/// `[drill]`: where and how often the newest set is proven.
public struct DrillPolicy: Sendable, Equatable {
    /// The drill server: an environment variable or a service name, never a URL with a password.
    public var target: ConnectionPolicy?
    public var schedule: DrillSchedule?
    /// Keep the scratch database after the drill.
    public var keep: Bool?
    /// `state-dir`: where this drill host keeps its drill reports when the repository refuses them.
    public var stateDirectory: String?

    public init() {}
}

/// `[offsite]`: the second repository, usually `s3://BUCKET/PREFIX`. Credentials never here.
public struct OffsitePolicy: Sendable, Equatable {
    public var repository: String
    public var s3Endpoint: String?
    public var s3PathStyle: Bool?

    public init(repository: String) {
        self.repository = repository
    }
}

/// `[restore]`: defaults for restore, and the keys that verify and drill decrypt with.
public struct RestorePolicy: Sendable, Equatable {
    public var jobs: Int?
    /// `maintenance_work_mem` for the index builds of restores and drills, e.g. `512MB`.
    public var maintenanceWorkMemory: String?
    /// Identity files (the private keys sets are decrypted with).
    public var identities: [String] = []

    public init() {}
}
