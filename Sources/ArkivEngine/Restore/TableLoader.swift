import ArkivArchive
import ArkivPostgres
import Foundation

/// Streams one table's data member from the archive into `COPY … FROM STDIN`.
///
/// Chunks go from decrypt → decompress straight into the COPY: no temporary files, memory
/// bounded by one chunk. Every chunk is authenticated as it is read, and the member's length
/// and SHA-256 are checked at its end; a failure anywhere aborts the COPY, so the server keeps
/// none of the table's rows.
enum TableLoader {
    struct Result: Sendable {
        let table: String
        let rows: Int
        let bytes: UInt64
        let seconds: Double
    }

    /// - Parameters:
    ///   - copyStatement: e.g. `COPY "s"."t" ("a", "b") FROM STDIN (FORMAT binary, FREEZE)`.
    static func load(
        member: MemberID, of archive: ArchiveReader, into connection: Connection, copyStatement: String,
        table: String, reporter: ProgressReporter
    ) throws -> Result {
        let started = Date()
        let chunks = try archive.chunks(of: member)
        reporter.begin(table, estimatedBytes: Int64(chunks.member.plaintextBytes))
        var bytes: UInt64 = 0
        let rows = try connection.copyIn(copyStatement) { writer in
            while let chunk = try chunks.next() {
                try writer.write(chunk)
                bytes += UInt64(chunk.count)
                reporter.advance(table, rows: 0, bytes: Int64(chunk.count))
            }
        }
        let seconds = Date().timeIntervalSince(started)
        reporter.finish(table, event: "table-restored", fields: ["rows": rows, "bytes": Int(bytes), "seconds": (seconds * 1000).rounded() / 1000])
        return Result(table: table, rows: rows, bytes: bytes, seconds: seconds)
    }
}
