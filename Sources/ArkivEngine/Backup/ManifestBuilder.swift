import ArkivArchive
import ArkivCatalog
import ArkivRepository
import Foundation

/// Assembles the manifest from what the backup read and wrote.
enum ManifestBuilder {
    static func build(
        id: BackupID, setID: BackupSetID, started: Date, options: BackupOptions, source: Manifest.Source, keys: SetKeys,
        schemas: [String], fileNames: [String: String], catalog: CatalogSnapshot, files: [Manifest.FileEntry],
        results: [TableCopyResult], outside: [String], materializedViews: [Manifest.MaterializedView]
    ) -> Manifest {
        let tableResults = results.filter { !$0.plan.isLargeObjects }
        let byTable = Dictionary(tableResults.map { ("\($0.plan.schema)\u{0}\($0.plan.name)", $0) }, uniquingKeysWith: { first, _ in first })
        let tables: [Manifest.TableEntry] = catalog.tables.compactMap { table in
            byTable["\(table.schema)\u{0}\(table.name)"].map { entry(for: $0) }
        }
        let largeObjects = results.first { $0.plan.isLargeObjects }.map {
            Manifest.LargeObjects(count: catalog.largeObjectCount, data: entry(for: $0))
        }
        var excluded = catalog.extensionMembers.map {
            Manifest.ExcludedObject(kind: $0.objectType, name: $0.identity, reason: "belongs to extension \($0.extensionName), which recreates it")
        }
        excluded += catalog.tables.filter { !$0.isDataDumped && $0.kind != .partitioned }.map {
            Manifest.ExcludedObject(kind: "table data", name: "\($0.schema).\($0.name)", reason: "excluded with --exclude-table-data (the table's DDL is kept)")
        }
        excluded += catalog.omissions.map { Manifest.ExcludedObject(kind: $0.kind, name: $0.name, reason: $0.reason) }
        excluded += outside.map { Manifest.ExcludedObject(kind: "table", name: $0, reason: OutsideTables.reason) }
        if catalog.largeObjectCount > 0 && largeObjects == nil {
            excluded.append(.init(kind: "large objects", name: "\(catalog.largeObjectCount) large objects",
                                  reason: "a backup of some schemas does not take the database's large objects (--large-objects does)"))
        }
        return Manifest(
            tool: "arkiv \(ArkivEngineVersion.string)", backupID: id.rawValue, setID: setID, createdAt: id.createdAt,
            label: id.label, pinned: options.pin, source: source, encryption: keys.info,
            codec: codecInfo(options.codec),
            schemas: schemas.compactMap { schema in fileNames[schema].map { Manifest.SchemaEntry(name: schema, file: $0) } },
            extensions: catalog.extensions.map { Manifest.ExtensionEntry(name: $0.name, version: $0.version, schema: $0.schema) },
            files: files, tables: tables, excluded: excluded,
            requires: catalog.externalDependencies.map { Manifest.Requirement(object: $0.object, needs: $0.needs) },
            largeObjects: largeObjects, materializedViews: materializedViews)
    }

    /// What one data member's copy recorded, as the manifest keeps it.
    private static func entry(for result: TableCopyResult) -> Manifest.TableEntry {
        let part = Manifest.Part(
            member: result.member.name, rows: result.rows, plaintextBytes: result.member.plaintextBytes,
            storedBytes: result.member.storedBytes, plaintextSHA256: Hex.encode(result.member.plaintextSHA256),
            contentHash: result.contentHash.description)
        return Manifest.TableEntry(
            schema: result.plan.schema, name: result.plan.name, file: result.plan.fileName, copyFormat: result.plan.format.rawValue,
            rows: result.rows, plaintextBytes: part.plaintextBytes, storedBytes: part.storedBytes,
            contentHash: part.contentHash, parts: [part],
            vectorColumns: result.vectors.map {
                Manifest.VectorColumn(name: $0.column, declaredDimension: $0.declaredDimension, nullCount: $0.nullCount,
                                      minDimension: $0.minDimension, maxDimension: $0.maxDimension)
            })
    }

    static func codecInfo(_ codec: Codec) -> Manifest.CodecInfo {
        switch codec {
        case .none: .init(name: "none", level: nil)
        case .zstd(let level): .init(name: "zstd", level: Int(level))
        case .gzip(let level): .init(name: "gzip", level: Int(level))
        }
    }
}

/// The version written into manifests; the CLI reports the same.
public enum ArkivEngineVersion {
    public static let string = "0.1.0"
}
