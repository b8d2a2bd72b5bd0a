import Foundation

/// What a backup set holds and how to check it: written last, authenticated, read first.
///
/// The field list is the contract with every future arkiv (docs/FORMAT.md §8): fields are only
/// ever added, readers ignore fields they do not know, and `formatVersion` changes only when a
/// reader that ignores the new fields would restore something wrong.
public struct Manifest: Codable, Sendable, Equatable {
    /// The newest format this arkiv reads and writes. A set is written as version 1 unless it
    /// holds large objects (version 2): an arkiv that knows only version 1 would ignore
    /// `largeObjects` and restore the set without them, so it must refuse such a set instead.
    public static let formatVersion = 2

    public var formatVersion: Int
    /// "arkiv 0.1.0".
    public var tool: String
    /// The set's folder name in the repository, e.g. `20261125T031500Z-4f9a1c-nightly`.
    public var backupID: String
    /// The random id bound into every archive file's header and key derivation.
    public var setID: BackupSetID
    public var createdAt: Date
    public var label: String?
    /// Pinned when taken (`--pin`); later pins live beside the set, see FORMAT.md.
    public var pinned: Bool
    public var source: Source
    public var encryption: EncryptionInfo
    public var codec: CodecInfo
    /// The schemas in the set, in restore order, each with its archive file.
    public var schemas: [SchemaEntry]
    /// Extensions the set's objects need, as installed on the source.
    public var extensions: [ExtensionEntry]
    /// Every archive file of the set with its stored size and SHA-256.
    public var files: [FileEntry]
    public var tables: [TableEntry]
    /// Objects deliberately left out (extension members, excluded data), with the reason.
    public var excluded: [ExcludedObject]
    /// What objects of the set need from outside it (e.g. a foreign key to a schema that was
    /// not backed up): a restore checks the target has it.
    public var requires: [Requirement]
    /// The database's large objects, when the set holds them (format version 2).
    public var largeObjects: LargeObjects?
    /// The materialized views of the dumped schemas (absent in sets made before arkiv recorded
    /// them; an older arkiv ignores the key, which loses nothing: the views are DDL).
    public var materializedViews: [MaterializedView]?

    public init(
        tool: String, backupID: String, setID: BackupSetID, createdAt: Date, label: String?, pinned: Bool,
        source: Source, encryption: EncryptionInfo, codec: CodecInfo, schemas: [SchemaEntry] = [],
        extensions: [ExtensionEntry] = [], files: [FileEntry] = [],
        tables: [TableEntry] = [], excluded: [ExcludedObject] = [], requires: [Requirement] = [], largeObjects: LargeObjects? = nil,
        materializedViews: [MaterializedView]? = nil
    ) {
        self.materializedViews = materializedViews
        self.formatVersion = largeObjects == nil ? 1 : 2
        self.largeObjects = largeObjects
        self.tool = tool
        self.backupID = backupID
        self.setID = setID
        self.createdAt = createdAt
        self.label = label
        self.pinned = pinned
        self.source = source
        self.encryption = encryption
        self.codec = codec
        self.schemas = schemas
        self.extensions = extensions
        self.files = files
        self.tables = tables
        self.excluded = excluded
        self.requires = requires
    }

    /// Where and when the data was read.
    public struct Source: Codable, Sendable, Equatable {
        /// `user@host:port/db`, never a password.
        public var target: String
        public var database: String
        public var serverVersion: String
        public var serverVersionNumber: Int
        /// `pg_control_system().system_identifier`, where the role may read it.
        public var systemIdentifier: String?
        /// The snapshot's time (`now()` inside the exporting transaction).
        public var snapshotTime: Date?
        /// `pg_current_wal_lsn()` at the snapshot, where readable (not on a standby).
        public var walLSN: String?
        /// The source database's encoding and locale, which a scratch database is created with.
        /// Absent in sets made before arkiv recorded it.
        public var locale: DatabaseLocale?
        /// The database's OID on the source (absent in older sets).
        public var databaseOID: UInt32?

        public init(
            target: String, database: String, serverVersion: String, serverVersionNumber: Int,
            systemIdentifier: String? = nil, snapshotTime: Date? = nil, walLSN: String? = nil, locale: DatabaseLocale? = nil,
            databaseOID: UInt32? = nil
        ) {
            self.databaseOID = databaseOID
            self.target = target
            self.database = database
            self.serverVersion = serverVersion
            self.serverVersionNumber = serverVersionNumber
            self.systemIdentifier = systemIdentifier
            self.snapshotTime = snapshotTime
            self.walLSN = walLSN
            self.locale = locale
        }

        /// `host:port` of `target` (`user@host:port/db`), without the user and the database.
        public var hostAndPort: String {
            let afterUser = target.split(separator: "@", maxSplits: 1).last.map(String.init) ?? target
            return afterUser.split(separator: "/", maxSplits: 1).first.map(String.init) ?? afterUser
        }

        /// Which database this is, for telling sources apart: the cluster's system identifier
        /// (where the role may not read it, the host and port) and the database's name. The OID
        /// is left out: a database dropped and restored under its name is the same source.
        public var identity: String {
            (systemIdentifier.map { "system \($0)" } ?? hostAndPort) + " database " + database
        }

        /// For people: `tekup_db on db.internal:5432`.
        public var summary: String { "\(database) on \(hostAndPort)" }
    }

    /// What `CREATE DATABASE` needs to sort and classify text as the source did.
    public struct DatabaseLocale: Codable, Sendable, Equatable {
        /// `pg_encoding_to_char(encoding)`: `UTF8`, `LATIN1`, `SQL_ASCII`…
        public var encoding: String
        /// `libc`, `icu` or `builtin` (`datlocprovider`; `libc` before PostgreSQL 15).
        public var provider: String
        public var collate: String
        public var ctype: String
        /// The ICU (or builtin) locale (`daticulocale`, `datlocale` from PostgreSQL 17).
        public var providerLocale: String?
        /// `daticurules` (PostgreSQL 16+).
        public var icuRules: String?

        public init(encoding: String, provider: String, collate: String, ctype: String, providerLocale: String? = nil, icuRules: String? = nil) {
            self.encoding = encoding
            self.provider = provider
            self.collate = collate
            self.ctype = ctype
            self.providerLocale = providerLocale
            self.icuRules = icuRules
        }
    }

    public struct EncryptionInfo: Codable, Sendable, Equatable {
        /// "aes-256-gcm", or "none" when the backup was taken with --no-encryption.
        public var cipher: String
        /// The data key wrapped for each recipient and/or a passphrase.
        public var keys: [WrappedKey]

        public init(cipher: String, keys: [WrappedKey]) {
            self.cipher = cipher
            self.keys = keys
        }

        public static let unencrypted = EncryptionInfo(cipher: "none", keys: [])
        public var isEncrypted: Bool { cipher != "none" }
        /// Key ids of the X25519 recipients.
        public var recipientKeyIDs: [String] { keys.compactMap(\.keyId) }
        public var hasPassphrase: Bool { keys.contains { $0.type == .scrypt } }
    }

    public struct CodecInfo: Codable, Sendable, Equatable {
        public var name: String
        public var level: Int?

        public init(name: String, level: Int?) {
            self.name = name
            self.level = level
        }
    }

    public struct SchemaEntry: Codable, Sendable, Equatable {
        public var name: String
        /// The archive file holding the schema's DDL, data and sequences.
        public var file: String

        public init(name: String, file: String) {
            self.name = name
            self.file = file
        }
    }

    public struct ExtensionEntry: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        /// The schema the extension's objects live in on the source.
        public var schema: String

        public init(name: String, version: String, schema: String) {
            self.name = name
            self.version = version
            self.schema = schema
        }
    }

    public struct FileEntry: Codable, Sendable, Equatable {
        public var name: String
        /// The schema the file holds.
        public var schema: String
        public var bytes: UInt64
        /// Hex SHA-256 of the file as stored.
        public var sha256: String

        public init(name: String, schema: String, bytes: UInt64, sha256: String) {
            self.name = name
            self.schema = schema
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    public struct TableEntry: Codable, Sendable, Equatable {
        public var schema: String
        public var name: String
        /// The archive file holding the table's data members.
        public var file: String
        /// "text" or "binary": how the data was copied, and so how it must be restored.
        public var copyFormat: String
        public var rows: UInt64
        public var plaintextBytes: UInt64
        public var storedBytes: UInt64
        /// The order-independent content hash of the rows (FORMAT.md §8.3), 32 hex characters.
        public var contentHash: String
        /// One part per data member; one part unless the table was split (e.g. by CTID range).
        public var parts: [Part]
        public var vectorColumns: [VectorColumn]

        public init(
            schema: String, name: String, file: String, copyFormat: String, rows: UInt64, plaintextBytes: UInt64,
            storedBytes: UInt64, contentHash: String, parts: [Part], vectorColumns: [VectorColumn] = []
        ) {
            self.schema = schema
            self.name = name
            self.file = file
            self.copyFormat = copyFormat
            self.rows = rows
            self.plaintextBytes = plaintextBytes
            self.storedBytes = storedBytes
            self.contentHash = contentHash
            self.parts = parts
            self.vectorColumns = vectorColumns
        }
    }

    public struct Part: Codable, Sendable, Equatable {
        /// The member's name in the archive file.
        public var member: String
        public var rows: UInt64
        public var plaintextBytes: UInt64
        public var storedBytes: UInt64
        /// Hex SHA-256 of the member's plaintext (the COPY stream).
        public var plaintextSHA256: String
        public var contentHash: String

        public init(member: String, rows: UInt64, plaintextBytes: UInt64, storedBytes: UInt64, plaintextSHA256: String, contentHash: String) {
            self.member = member
            self.rows = rows
            self.plaintextBytes = plaintextBytes
            self.storedBytes = storedBytes
            self.plaintextSHA256 = plaintextSHA256
            self.contentHash = contentHash
        }
    }

    /// A materialized view as a restore must give it back: populated or not and, when populated,
    /// the rows and content hash (text COPY, FORMAT.md §8.3) of its query in the backup's
    /// snapshot, which is what the restore's REFRESH computes from the restored rows.
    public struct MaterializedView: Codable, Sendable, Equatable {
        public var schema: String
        public var name: String
        public var populated: Bool
        /// nil when not populated, or when the backup could not run the query (its warning says why).
        public var rows: UInt64?
        public var contentHash: String?

        public init(schema: String, name: String, populated: Bool, rows: UInt64?, contentHash: String?) {
            self.schema = schema
            self.name = name
            self.populated = populated
            self.rows = rows
            self.contentHash = contentHash
        }
    }

    public struct VectorColumn: Codable, Sendable, Equatable {
        public var name: String
        /// From atttypmod; nil for an undeclared `vector`.
        public var declaredDimension: Int?
        public var nullCount: UInt64
        /// The smallest and largest dimension seen; nil when every value is NULL.
        public var minDimension: Int?
        public var maxDimension: Int?

        public init(name: String, declaredDimension: Int?, nullCount: UInt64, minDimension: Int?, maxDimension: Int?) {
            self.name = name
            self.declaredDimension = declaredDimension
            self.nullCount = nullCount
            self.minDimension = minDimension
            self.maxDimension = maxDimension
        }
    }

    /// Large objects: how many, and their bytes as one data member of `(loid, off, data)` rows in
    /// binary COPY format (FORMAT.md §8.6), counted and hashed like a table's rows. `data`'s
    /// schema and file are those of the archive file that holds the member.
    public struct LargeObjects: Codable, Sendable, Equatable {
        public var count: Int
        public var data: TableEntry

        public init(count: Int, data: TableEntry) {
            self.count = count
            self.data = data
        }
    }

    public struct Requirement: Codable, Sendable, Equatable {
        /// The object in the set, e.g. `billy.users.users_default_org_fkey`.
        public var object: String
        /// What it needs, e.g. `table shared.users`.
        public var needs: String

        public init(object: String, needs: String) {
            self.object = object
            self.needs = needs
        }
    }

    public struct ExcludedObject: Codable, Sendable, Equatable {
        /// e.g. "table", "table data", "function".
        public var kind: String
        public var name: String
        public var reason: String

        public init(kind: String, name: String, reason: String) {
            self.kind = kind
            self.name = name
            self.reason = reason
        }
    }
}
