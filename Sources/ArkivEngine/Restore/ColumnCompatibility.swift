import ArkivCatalog

/// How one table of the set maps onto the target's table of the same name: columns matched by
/// name, each loaded as it is, converted, or (only with `--skip-missing-columns`) left out.
struct TableMapping: Sendable {
    struct Column: Sendable {
        enum Handling: Sendable, Equatable {
            /// The same type: COPY takes the set's bytes as they are.
            case same
            /// A widening PostgreSQL's assignment cast does without loss (int4 → int8, varchar(n)
            /// → text, numeric(p,s) → wider, …); casting back gives the set's value.
            case converted
            /// The target has no such column (or generates it): its values are not loaded.
            case skipped
        }

        /// The set's column.
        let source: ColumnInfo
        /// The target's column of that name, when it has one.
        let target: ColumnInfo?
        let handling: Handling
    }

    let setTable: TableInfo
    /// The target's table (the set's name, after `--rename-schema`).
    let target: QualifiedName
    /// The set's copied columns, in the set's COPY order.
    let columns: [Column]

    /// COPY straight into the table needs every column of the set, in the set's types; anything
    /// else goes through a staging table (see DataOnlyLoad.swift).
    var needsStaging: Bool { columns.contains { $0.handling != .same } }
    var loadedColumns: [Column] { columns.filter { $0.handling != .skipped } }
    /// Identity ALWAYS columns take the set's values only with OVERRIDING SYSTEM VALUE.
    var overridesIdentity: Bool { loadedColumns.contains { $0.target?.identity == .always } }
    var skippedColumns: [String] { columns.filter { $0.handling == .skipped }.map(\.source.name) }
}

/// The compatibility check of a data-only load: every column of the set against the target's
/// table, every problem with its fix, every accepted difference with how it is handled.
enum ColumnCompatibility {
    struct Outcome {
        var mapping: TableMapping?
        var problems: [DataOnlyProblem] = []
        var accepted: [AcceptedDifference] = []
    }

    /// - Parameters:
    ///   - defaults: names of the target table's columns that have a default.
    ///   - renames: `--rename-schema`, so types of a renamed schema are compared by their new name.
    ///   - display: the target table's name as SQL (`format('%I.%I')`), for the reports.
    ///   - quote: quotes a column name for the fixes' SQL.
    ///   - relocations: extensions the target has in another schema, so a fix names the target's
    ///     own type (`public.vector(1536)` where the set says `extensions.vector(1536)`).
    static func check(setTable: TableInfo, targetName: QualifiedName, display: String, target: TableInfo?, defaults: Set<String>,
                      skipMissingColumns: Bool, renames: [String: String], relocations: [ExtensionRelocation] = [],
                      quote: (String) -> String) -> Outcome {
        var outcome = Outcome()
        let spell = { (type: String) in spelled(type, renames: renames, relocations: relocations) }
        guard let target else {
            outcome.problems.append(DataOnlyProblem(
                object: display, problem: "table does not exist in the target",
                fix: "deploy the schema first (the application's migrations), or leave the table out with --schema/--table"))
            return outcome
        }
        let copied = TablePlanner.copiedColumns(setTable)
        var columns: [TableMapping.Column] = []
        for column in copied {
            let object = "\(display).\(column.name)"
            guard let have = target.columns.first(where: { $0.name == column.name }) else {
                if skipMissingColumns {
                    columns.append(.init(source: column, target: nil, handling: .skipped))
                    outcome.accepted.append(AcceptedDifference(object: object, difference: "in the set, not in the target",
                                                               handling: "its values are not loaded (--skip-missing-columns)"))
                } else {
                    outcome.problems.append(DataOnlyProblem(
                        object: object, problem: "column \(column.type) is in the set but not in the target",
                        fix: "add it to the target (ALTER TABLE \(display) ADD COLUMN \(quote(column.name)) \(spell(column.type))), or drop its values with --skip-missing-columns"))
                }
                continue
            }
            if have.isGenerated {
                if skipMissingColumns {
                    columns.append(.init(source: column, target: have, handling: .skipped))
                    outcome.accepted.append(AcceptedDifference(object: object, difference: "generated in the target, plain in the set",
                                                               handling: "the target computes it; the set's values are not loaded (--skip-missing-columns)"))
                } else {
                    outcome.problems.append(DataOnlyProblem(
                        object: object, problem: "the target generates this column, so the set's values cannot be loaded",
                        fix: "make it a plain column in the target, or let the target compute it with --skip-missing-columns"))
                }
                continue
            }
            switch compareTypes(column, have, renames: renames, spelled: spell(column.type),
                                alter: "ALTER TABLE \(display) ALTER COLUMN \(quote(column.name)) TYPE \(spell(column.type))") {
            case .same(let note):
                columns.append(.init(source: column, target: have, handling: .same))
                if let note { outcome.accepted.append(AcceptedDifference(object: object, difference: note, handling: "loaded as is")) }
            case .converted:
                columns.append(.init(source: column, target: have, handling: .converted))
                outcome.accepted.append(AcceptedDifference(
                    object: object, difference: "\(column.type) in the set, \(have.type) in the target",
                    handling: "widened by PostgreSQL's assignment cast through a staging table; no value changes"))
            case .mismatch(let problem, let fix):
                outcome.problems.append(DataOnlyProblem(object: object, problem: problem, fix: fix))
            }
            if have.identity == .always && column.identity != .always {
                outcome.accepted.append(AcceptedDifference(object: object, difference: "GENERATED ALWAYS AS IDENTITY in the target",
                                                           handling: "the set's values are kept (OVERRIDING SYSTEM VALUE); the sequence moves past them"))
            }
            if have.isNotNull && !column.isNotNull {
                outcome.accepted.append(AcceptedDifference(object: object, difference: "NOT NULL in the target, nullable in the set",
                                                           handling: "a NULL in the data fails the load, which then changes nothing"))
            }
        }
        let setNames = Set(copied.map(\.name))
        for extra in target.columns where !extra.isGenerated && !setNames.contains(extra.name) {
            let object = "\(display).\(extra.name)"
            if extra.isNotNull && !defaults.contains(extra.name) && extra.identity == nil {
                outcome.problems.append(DataOnlyProblem(
                    object: object, problem: "NOT NULL column \(extra.type) of the target has no values in the set and no default",
                    fix: "give it a default (ALTER TABLE \(display) ALTER COLUMN \(quote(extra.name)) SET DEFAULT …) or allow NULL (… DROP NOT NULL)"))
            } else {
                let filled = extra.identity != nil ? "its identity" : defaults.contains(extra.name) ? "its default" : "NULL"
                outcome.accepted.append(AcceptedDifference(object: object, difference: "in the target only", handling: "filled with \(filled)"))
            }
        }
        let order = target.columns.filter { setNames.contains($0.name) && !$0.isGenerated }.map(\.name)
        if outcome.problems.isEmpty && order != copied.map(\.name).filter({ order.contains($0) }) {
            outcome.accepted.append(AcceptedDifference(object: display, difference: "columns in another order",
                                                       handling: "COPY names its columns: matched by name"))
        }
        if outcome.problems.isEmpty {
            outcome.mapping = TableMapping(setTable: setTable, target: targetName, columns: columns)
        }
        return outcome
    }

    enum TypeMatch {
        case same(note: String?)
        case converted
        case mismatch(problem: String, fix: String)
    }

    /// - Parameters:
    ///   - spelled: the set's type as the target names it.
    ///   - alter: the statement that would give the target column the set's type.
    static func compareTypes(_ set: ColumnInfo, _ target: ColumnInfo, renames: [String: String], spelled: String, alter: String) -> TypeMatch {
        if set.isVector || target.isVector {
            guard set.isVector, target.isVector, baseName(set.type) == baseName(target.type) else {
                return .mismatch(problem: "type \(set.type) in the set, \(target.type) in the target",
                                 fix: "change the target column to \(spelled) (\(alter))")
            }
            if set.vectorDimension != target.vectorDimension && target.vectorDimension != nil {
                return .mismatch(
                    problem: "vector dimension \(set.vectorDimension.map(String.init) ?? "undeclared") in the set, \(target.vectorDimension.map(String.init) ?? "undeclared") in the target",
                    fix: "declare the target column \(spelled) (\(alter)); embeddings of another dimension cannot be converted, only re-computed")
            }
            if set.vectorDimension != target.vectorDimension {
                return .same(note: "\(set.type) in the set, \(target.type) (any dimension) in the target")
            }
            return .same(note: set.type == target.type ? nil : "the type lives in another schema: \(set.type) in the set, \(target.type) in the target")
        }
        if renamed(set.type, renames) == unquoted(target.type) { return .same(note: nil) }
        let builtin: UInt32 = 16384
        if set.typeOID < builtin && target.typeOID < builtin && widens(from: set, to: target) { return .converted }
        return .mismatch(problem: "type \(set.type) in the set, \(target.type) in the target, which PostgreSQL does not convert without loss",
                         fix: "change the target column to \(spelled) (\(alter)), or convert the data after a load into that type")
    }

    /// Built-in conversions that never lose or change a value (so a cast back gives the set's
    /// value exactly, which is how verification compares content hashes).
    static func widens(from set: ColumnInfo, to target: ColumnInfo) -> Bool {
        let (from, to) = (set.typeOID, target.typeOID)
        let integers: [UInt32: Int] = [21: 5, 23: 10, 20: 19]  // int2, int4, int8: decimal digits
        switch (from, to) {
        case (21, 23), (21, 20), (23, 20), (700, 701), (1043, 25): return true
        case (25, 1043): return target.typmod < 0
        case (let integer, 1700) where integers[integer] != nil:
            guard target.typmod >= 0, let digits = integers[integer] else { return true }
            let precision = (target.typmod - 4) >> 16, scale = (target.typmod - 4) & 0xFFFF
            return precision - scale >= digits
        case _ where from == to:
            if target.typmod < 0 { return [1043, 1562, 1700, 1114, 1184, 1083, 1266].contains(from) }
            guard set.typmod >= 0 else { return false }
            switch from {
            case 1043, 1562, 1114, 1184, 1083, 1266: return target.typmod >= set.typmod  // varchar, varbit, time precisions
            case 1700:
                let (sp, ss) = ((set.typmod - 4) >> 16, (set.typmod - 4) & 0xFFFF)
                let (tp, ts) = ((target.typmod - 4) >> 16, (target.typmod - 4) & 0xFFFF)
                return ts >= ss && tp - ts >= sp - ss
            default: return false
            }
        default: return false
        }
    }

    /// `public.vector(1536)` → `vector`.
    static func baseName(_ type: String) -> String {
        let withoutModifier = type.split(separator: "(", maxSplits: 1).first.map(String.init) ?? type
        return unquoted(String(withoutModifier.split(separator: ".").last ?? Substring(withoutModifier)))
    }

    private static func unquoted(_ type: String) -> String { type.replacingOccurrences(of: "\"", with: "") }

    /// A set's type as SQL on the target: an extension's type in the target's schema for it,
    /// a user type of a renamed schema under its new name.
    static func spelled(_ type: String, renames: [String: String], relocations: [ExtensionRelocation]) -> String {
        let relocated = relocations.reduce(type) { $1.rename($0) }
        let plain = unquoted(relocated)
        for (old, new) in renames where plain.hasPrefix(old + ".") {
            return new + plain.dropFirst(old.count)
        }
        return relocated
    }

    /// A set's type name as the target knows it after `--rename-schema` (user types of a renamed schema).
    private static func renamed(_ type: String, _ renames: [String: String]) -> String {
        let plain = unquoted(type)
        for (old, new) in renames where plain.hasPrefix(old + ".") {
            return new + plain.dropFirst(old.count)
        }
        return plain
    }
}
