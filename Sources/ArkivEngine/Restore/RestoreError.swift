/// Restore failures that are not the server's, the archive's or the repository's own errors.
public enum RestoreError: Error, Sendable, CustomStringConvertible {
    case damagedSet([String])
    case missingMember(schema: String, member: String)
    case preflight([String])
    case unknownSchema(String, inSet: [String])
    case rowCountMismatch(table: String, expected: UInt64, loaded: Int)
    /// The format lets a table be stored in parts; this restore loads tables stored whole.
    case tableInParts(table: String, parts: Int, tool: String)
    case statementFailed(kind: String, name: String, error: String)
    /// A data-only load's compatibility check: every problem of every table, found before a byte was loaded.
    case incompatible([DataOnlyProblem])
    /// Foreign keys with orphaned rows after a data-only load, found before COMMIT.
    case foreignKeysBroken([String])
    /// A signal stopped the restore after its database was marked incomplete.
    case interrupted(signal: String, database: String)

    public var description: String {
        switch self {
        case .damagedSet(let problems):
            "the backup set's files do not match its manifest; nothing was restored:\n  " + problems.joined(separator: "\n  ")
        case .missingMember(let schema, let member):
            "the archive of schema \(schema) has no member \(member.debugDescription); the set is damaged or was written by another tool"
        case .preflight(let problems):
            "the target cannot take this restore; nothing was changed:\n  " + problems.joined(separator: "\n  ")
        case .unknownSchema(let schema, let inSet):
            "schema \(schema.debugDescription) is not in the backup set (it holds: \(inSet.joined(separator: ", ")))"
        case .rowCountMismatch(let table, let expected, let loaded):
            "\(table): the manifest records \(expected) rows but \(loaded) were loaded"
        case .tableInParts(let table, let parts, let tool):
            "table \(table) is stored in \(parts) parts (the set was written by \(tool)); this arkiv-restore loads tables stored "
                + "in one part: restore the set with the arkiv that wrote it. Nothing was changed"
        case .statementFailed(let kind, let name, let error):
            "restoring \(kind) \(name) failed: \(error)"
        case .incompatible(let problems):
            "the target cannot take this data as it is; nothing was loaded:\n  " + problems.map(\.description).joined(separator: "\n  ")
        case .interrupted(let signal, let database):
            "interrupted by \(signal): database \(database) is left marked incomplete (verify and drill refuse it); "
                + "drop it (DROP DATABASE \(database)) or restore into it again with --clean --yes"
        case .foreignKeysBroken(let keys):
            "foreign keys do not hold after the load, so it was rolled back; nothing was loaded:\n  " + keys.joined(separator: "\n  ")
        }
    }
}
