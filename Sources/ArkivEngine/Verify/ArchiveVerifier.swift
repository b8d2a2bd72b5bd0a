import ArkivArchive
import ArkivCatalog
import ArkivRepository
import Foundation

/// `verify archive`: proves a backup set without a database.
///
/// Quick: every file present with its size and SHA-256 (no key needed; for cron right after the
/// backup). Full: also the manifest's authentication, every record of every archive decrypted,
/// decompressed and checked, every member's SHA-256, every DDL member parsed, and every table's
/// rows recounted, content hash and vector facts recomputed and compared with the manifest.
public struct ArchiveVerifier {
    public let repository: String
    public let set: String
    public let quick: Bool
    public var identities: [Identity] = []
    public var passphrase: SecureBytes?
    /// Where a warning goes (a repository this run cannot lease in).
    public var reporter = ProgressReporter(mode: .automatic)
    /// Archive files checked at once (each on its own thread; in a bucket, its own ranged reads).
    public var jobs = 1

    public init(repository: String, set: String, quick: Bool) {
        self.repository = repository
        self.set = set
        self.quick = quick
    }

    /// A set to verify, on disk or in a bucket: leased, its manifest, what its files' check
    /// found, and its archives opened on demand.
    private struct Subject {
        let id: BackupID
        let sealed: SealedManifest
        let problems: [IntegrityProblem]
        let reader: (Manifest.SchemaEntry, DataKey?) throws -> ArchiveReader
        let release: () -> Void
    }

    private func open(command: String) throws -> Subject {
        // Held before the manifest is read: prune keeps the set until this run is over.
        let held = try SetReading.hold(repository: repository, set: set, command: command, reporter: reporter)
        return Subject(id: held.id, sealed: held.sealed, problems: held.checkFiles(),
                       reader: { schema, dataKey in try held.reader(schema.file, dataKey: dataKey) }, release: held.release)
    }

    public func run() throws -> VerifyReport {
        let started = Date()
        let subject = try open(command: quick ? "arkiv-verify archive --quick" : "arkiv-verify archive")
        defer { subject.release() }
        var report = VerifyReport(mode: quick ? "archive --quick" : "archive", set: subject.id.rawValue, startedAt: started)
        let sealed = subject.sealed
        let manifest = sealed.manifest
        report.checks += fileChecks(subject.problems, manifest)
        if !quick {
            let dataKey: DataKey?
            do {
                dataKey = try sealed.open(identities: identities, passphrase: passphrase)
                report.checks.append(.init(object: "manifest", check: "authentication", expected: "valid", actual: "valid"))
            } catch {
                // Without an authentic manifest nothing else can be trusted or even decrypted.
                if case .notARecipient = error { throw error }
                report.checks.append(.failed("manifest", "authentication", expected: "valid", error: error.description))
                report.seconds = Date().timeIntervalSince(started)
                return report
            }
            report.checks += allSchemaChecks(subject, manifest, dataKey: dataKey)
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    private func fileChecks(_ problems: [IntegrityProblem], _ manifest: Manifest) -> [VerifyReport.Check] {
        var checks = manifest.files.map { file -> VerifyReport.Check in
            if let problem = problems.first(where: { $0.file.hasSuffix("/" + file.name) || $0.file == file.name }) {
                return .init(object: file.name, check: "file", expected: "\(file.bytes) bytes, SHA-256 \(file.sha256)",
                             actual: "\(problem.kind.rawValue): \(problem.detail)")
            }
            return .init(object: file.name, check: "file", expected: "\(file.bytes) bytes, SHA-256 \(file.sha256)",
                         actual: "\(file.bytes) bytes, SHA-256 \(file.sha256)")
        }
        for problem in problems where problem.kind == .unexpectedFile {
            checks.append(.init(object: (problem.file as NSString).lastPathComponent, check: "file", expected: "absent", actual: "present"))
        }
        return checks
    }

    /// Every schema's checks, `jobs` archive files at a time, in the manifest's order.
    private func allSchemaChecks(_ subject: Subject, _ manifest: Manifest, dataKey: DataKey?) -> [VerifyReport.Check] {
        let schemas = manifest.schemas
        guard jobs > 1, schemas.count > 1 else { return schemas.flatMap { schemaChecks(subject, manifest, schema: $0, dataKey: dataKey) } }
        let work = IndexedResults<[VerifyReport.Check]>(count: schemas.count)
        // Each schema has its own reader; nothing else is shared but the results, kept by index.
        nonisolated(unsafe) let verifier = self, subject = subject
        WorkerThreads.run(count: min(jobs, schemas.count), name: "arkiv-verify") {
            while let index = work.next() {
                work.store(verifier.schemaChecks(subject, manifest, schema: schemas[index], dataKey: dataKey), at: index)
            }
        }
        return work.results.flatMap { $0 ?? [] }
    }

    private func schemaChecks(_ subject: Subject, _ manifest: Manifest, schema: Manifest.SchemaEntry, dataKey: DataKey?) -> [VerifyReport.Check] {
        let reader: ArchiveReader
        do {
            reader = try subject.reader(schema, dataKey)
            try reader.verify()
        } catch {
            return [.failed(schema.file, "archive", expected: "every record authentic and complete", error: "\(error)")]
        }
        var checks: [VerifyReport.Check] = [.init(object: schema.file, check: "archive", expected: "every record authentic and complete",
                                                  actual: "every record authentic and complete")]
        for member in [SetFiles.preDataMember, SetFiles.postDataMember] {
            checks.append(parses([DDLStatement].self, reader, member: member, object: "\(schema.name) \(member)"))
        }
        checks.append(parses([SequenceState].self, reader, member: SetFiles.sequencesMember, object: "\(schema.name) sequences"))
        let tables: [TableInfo]
        do {
            guard let member = reader.member(named: SetFiles.tablesMember) else {
                throw RestoreError.missingMember(schema: schema.name, member: SetFiles.tablesMember)
            }
            tables = try JSONDecoder().decode([TableInfo].self, from: Data(try reader.contents(of: member.id)))
        } catch {
            return checks + [.failed("\(schema.name) tables", "parses", expected: "valid", error: "\(error)")]
        }
        for table in manifest.tables where table.file == schema.file {
            let info = tables.first { $0.schema == table.schema && $0.name == table.name }
            checks += tableChecks(reader, table, vectorColumns: info.map(TablePlanner.vectorColumns) ?? [])
        }
        if let objects = manifest.largeObjects, objects.data.file == schema.file {
            checks += tableChecks(reader, objects.data, vectorColumns: [], name: "large objects")
        }
        return checks
    }

    private func parses<T: Decodable>(_ type: T.Type, _ reader: ArchiveReader, member name: String, object: String) -> VerifyReport.Check {
        do {
            guard let member = reader.member(named: name) else { throw RestoreError.missingMember(schema: object, member: name) }
            _ = try JSONDecoder().decode(type, from: Data(try reader.contents(of: member.id)))
            return .init(object: object, check: "parses", expected: "valid", actual: "valid")
        } catch {
            return .failed(object, "parses", expected: "valid", error: "\(error)")
        }
    }

    /// Re-reads a table's data member and recomputes what the backup recorded.
    private func tableChecks(_ reader: ArchiveReader, _ table: Manifest.TableEntry, vectorColumns: [VectorColumnPlan],
                             name: String? = nil) -> [VerifyReport.Check] {
        let name = name ?? "\(table.schema).\(table.name)"
        let format = CopyRowInspector.Format(rawValue: table.copyFormat) ?? .text
        var rows: UInt64 = 0
        var hash = ContentHash.zero
        var vectors: [CopyRowInspector.VectorStats] = []
        do {
            for part in table.parts {
                guard let member = reader.member(named: part.member) else { throw RestoreError.missingMember(schema: table.schema, member: part.member) }
                let inspector = try CopyRowInspector(format: format, vectorColumns: vectorColumns)
                var splitter = CopyStreamSplitter(format: format)
                let chunks = try reader.chunks(of: member.id)
                while let chunk = try chunks.next() {
                    try splitter.feed(chunk) { try inspector.inspect($0) }
                }
                try splitter.finish()
                rows += inspector.rows
                hash.add(inspector.contentHash)
                vectors = merge(vectors, inspector.vectors)
            }
        } catch {
            return [.failed(name, "data", expected: "\(table.rows) rows readable", error: "\(error)")]
        }
        return TableDataChecks.compare(name, with: table, rows: rows, contentHash: hash, vectors: vectors)
    }

    private func merge(_ left: [CopyRowInspector.VectorStats], _ right: [CopyRowInspector.VectorStats]) -> [CopyRowInspector.VectorStats] {
        guard !left.isEmpty else { return right }
        return zip(left, right).map { a, b in
            var merged = a
            merged.nullCount += b.nullCount
            merged.minDimension = [a.minDimension, b.minDimension].compactMap { $0 }.min()
            merged.maxDimension = [a.maxDimension, b.maxDimension].compactMap { $0 }.max()
            return merged
        }
    }
}

/// Work handed out by index to several threads, and what each index gave.
final class IndexedResults<Result>: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private(set) var results: [Result?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func next() -> Int? {
        lock.withLock {
            guard nextIndex < results.count else { return nil }
            defer { nextIndex += 1 }
            return nextIndex
        }
    }

    func store(_ result: Result, at index: Int) { lock.withLock { results[index] = result } }
}
