/// The system catalogs whose rows arkiv dumps or follows dependencies through. The OIDs are
/// fixed in PostgreSQL's headers and the same in every version.
enum CatalogClass: UInt32, Codable, Sendable {
    case pgClass = 1259
    case pgType = 1247
    case pgProc = 1255
    case pgNamespace = 2615
    case pgAttrdef = 2604
    case pgConstraint = 2606
    case pgRewrite = 2618
    case pgTrigger = 2620
    case pgPolicy = 3256
    case pgExtension = 3079
    case pgStatisticExt = 3381
    case pgDefaultACL = 826
    case pgCollation = 3456
    case pgOperator = 2617
    case pgOpclass = 2616
    case pgOpfamily = 2753
    case pgEventTrigger = 3466
    case pgLargeObject = 2613
    case pgTSParser = 3601
    case pgTSTemplate = 3764
    case pgTSDict = 3600
    case pgTSConfig = 3602
    case pgForeignDataWrapper = 2328
    case pgForeignServer = 1417
    case pgUserMapping = 1418
}

/// Identifies one statement: the catalog row it is about plus which of that object's
/// statements it is (`part` is "" for the one that creates the object).
struct ObjectKey: Hashable, Sendable {
    let catalog: UInt32
    let oid: UInt32
    let part: String

    init(_ catalog: CatalogClass, _ oid: UInt32, part: String = "") {
        self.catalog = catalog.rawValue
        self.oid = oid
        self.part = part
    }

    init(rawCatalog: UInt32, oid: UInt32) {
        self.catalog = rawCatalog
        self.oid = oid
        self.part = ""
    }

    /// The key of the statement that creates the object this one belongs to.
    var main: ObjectKey { ObjectKey(rawCatalog: catalog, oid: oid) }

    func with(part: String) -> ObjectKey {
        ObjectKey(rawCatalog: catalog, oid: oid, part: part)
    }

    private init(rawCatalog: UInt32, oid: UInt32, part: String) {
        self.catalog = rawCatalog
        self.oid = oid
        self.part = part
    }
}

/// The phase a statement runs in.
enum Phase: Sendable { case preData, postData }

/// A statement before ordering: its key, rank (ties in the order are broken by rank, then
/// schema, then name), and what it needs first.
struct PendingStatement {
    var key: ObjectKey
    var phase: Phase
    var rank: Rank
    var schema: String
    var kind: String
    var name: String
    var sql: String
    var dependencies: Set<ObjectKey> = []
    var roles: [RoleMention] = []
}

/// Where kinds of statements go when dependencies leave the choice open; the pre-data ranks
/// follow pg_dump's (types before tables, functions after tables unless a table needs them,
/// so SQL function bodies that read tables validate), the post-data ranks put every index
/// before any foreign key and privileges last.
enum Rank: Int, Comparable, Sendable {
    case schema = 0, `extension`, collation, type, textSearch, domainConstraint, sequence, table, largeObject, partitionAttach, columnSettings, sequenceOwner
    case foreignData, function
    /// Operators, their families and classes: after the functions they name.
    case operatorClass
    case view
    /// Functions nothing in pre-data needs: after every table and view, so that a SQL body
    /// reading tables validates even with check_function_bodies on.
    case unneededFunction
    case constraint = 20, index, indexAttach, tableSettings, statistics
    /// Views (and materialized views) whose query needs a post-data object, such as the
    /// primary key a GROUP BY relies on.
    case postponedView
    case foreignKey, trigger, rule, triggerState
    case rowSecurity, policy, refresh, comment, owner, privileges
    /// Last, as pg_dump places them: nothing the restore does afterwards may fire them.
    case eventTrigger

    static func < (lhs: Rank, rhs: Rank) -> Bool { lhs.rawValue < rhs.rawValue }
}
