import ArkivCatalog
import ArkivPostgres

/// Where sequences stand, judged: a sequence behind the source's would hand out a number the
/// source already gave (the next invoice fails on its unique key, or repeats a number); one
/// ahead only skips numbers, which is fine and said so.
enum SequenceChecks {
    /// Where every sequence of these schemas stands now (not extension members), by name. A
    /// sequence is not transactional: this is its state at the moment of reading.
    static func positions(_ connection: Connection, schemas: [String]) throws -> [QualifiedName: SequencePosition] {
        let rows = try connection.query("""
            SELECT n.nspname, c.relname, format('%I.%I', n.nspname, c.relname) AS sql_name, s.seqincrement
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
            WHERE c.relkind = 'S' AND n.nspname = ANY($1::text[])
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                              AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY 1, 2
            """, [schemas]).rows
        var positions: [QualifiedName: SequencePosition] = [:]
        for row in rows {
            let state = try connection.queryRow("SELECT last_value, is_called FROM \(try row.decode(String.self, "sql_name"))")
            positions[QualifiedName(schema: try row.decode(String.self, "nspname"), name: try row.decode(String.self, "relname"))] =
                SequencePosition(lastValue: try state.decode(Int64.self, "last_value"), isCalled: try state.decode(Bool.self, "is_called"),
                                 increment: try row.decode(Int64.self, "seqincrement"))
        }
        return positions
    }

    /// One check per sequence of `expected` that `actual` has (a missing sequence is a structural
    /// difference, reported by the DDL comparison), named by its name in the target.
    static func compare(expected: [QualifiedName: SequencePosition], actual: [QualifiedName: SequencePosition],
                        targetName: (QualifiedName) -> QualifiedName = { $0 }) -> [VerifyReport.Check] {
        expected.keys.sorted().compactMap { name in
            guard let want = expected[name], let have = actual[targetName(name)] else { return nil }
            return check(targetName(name).description, expected: want, actual: have)
        }
    }

    /// The set's recorded states (which carry no increment: the target's gives the direction).
    static func compare(states: [SequenceState], actual: [QualifiedName: SequencePosition],
                        targetName: (QualifiedName) -> QualifiedName = { $0 }) -> [VerifyReport.Check] {
        states.compactMap { state in
            guard let have = actual[targetName(state.qualifiedName)] else { return nil }
            let want = SequencePosition(lastValue: state.lastValue, isCalled: state.isCalled, increment: have.increment)
            return check(targetName(state.qualifiedName).description, expected: want, actual: have)
        }
    }

    static func check(_ object: String, expected: SequencePosition, actual: SequencePosition) -> VerifyReport.Check {
        let want = "next value \(expected.next)"
        if actual.isBehind(expected) {
            return .init(object: object, check: "sequence state", expected: want,
                         actual: "next value \(actual.next): behind, nextval() would repeat numbers the source handed out", passed: false)
        }
        let ahead = actual.next != expected.next
        return .init(object: object, check: "sequence state", expected: want,
                     actual: ahead ? "next value \(actual.next): ahead of the source's, which is fine" : want, passed: true)
    }
}
