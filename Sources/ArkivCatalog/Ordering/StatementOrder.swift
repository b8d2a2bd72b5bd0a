/// Orders statements so each comes after what it depends on; among statements that are free
/// to go, the lowest rank goes first, then the earliest schema, then the name (deterministic
/// whatever the OIDs).
struct StatementOrder {
    struct SortKey: Comparable {
        let rank: Int
        let schemaIndex: Int
        let name: String
        let kind: String
        let part: String
        let catalog: UInt32
        let oid: UInt32

        static func < (lhs: SortKey, rhs: SortKey) -> Bool {
            if (lhs.rank, lhs.schemaIndex, lhs.name) != (rhs.rank, rhs.schemaIndex, rhs.name) {
                return (lhs.rank, lhs.schemaIndex, lhs.name) < (rhs.rank, rhs.schemaIndex, rhs.name)
            }
            return (lhs.kind, lhs.part, lhs.catalog, lhs.oid) < (rhs.kind, rhs.part, rhs.catalog, rhs.oid)
        }
    }

    /// Kahn's algorithm over a binary heap. `dependencies` must only name keys in `statements`.
    static func sort(
        _ statements: [ObjectKey: PendingStatement], dependencies: [ObjectKey: Set<ObjectKey>], schemaOrder: [String: Int]
    ) throws(CatalogError) -> [ObjectKey] {
        var remaining: [ObjectKey: Int] = [:]
        var dependents: [ObjectKey: [ObjectKey]] = [:]
        for (key, needs) in dependencies {
            remaining[key] = needs.count
            for need in needs { dependents[need, default: []].append(key) }
        }
        func sortKey(_ key: ObjectKey) -> SortKey {
            let statement = statements[key]
            return SortKey(
                rank: statement?.rank.rawValue ?? 0, schemaIndex: schemaOrder[statement?.schema ?? ""] ?? Int.max,
                name: statement?.name ?? "", kind: statement?.kind ?? "", part: key.part, catalog: key.catalog, oid: key.oid)
        }
        var heap = Heap<SortKey, ObjectKey>()
        for key in statements.keys where (remaining[key] ?? 0) == 0 { heap.push(sortKey(key), key) }
        var order: [ObjectKey] = []
        order.reserveCapacity(statements.count)
        while let key = heap.pop() {
            order.append(key)
            for dependent in dependents[key] ?? [] {
                let left = (remaining[dependent] ?? 1) - 1
                remaining[dependent] = left
                if left == 0 { heap.push(sortKey(dependent), dependent) }
            }
        }
        guard order.count == statements.count else {
            let stuck = statements.keys.filter { (remaining[$0] ?? 0) > 0 }.compactMap { statements[$0]?.name }
            throw .dependencyCycle(Array(Set(stuck)).sorted().prefix(20).map { $0 })
        }
        return order
    }
}

/// A min-heap of values by key.
struct Heap<Key: Comparable, Value> {
    private var items: [(key: Key, value: Value)] = []

    mutating func push(_ key: Key, _ value: Value) {
        items.append((key, value))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].key < items[parent].key else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Value? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && items[left].key < items[smallest].key { smallest = left }
            if right < items.count && items[right].key < items[smallest].key { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top.value
    }
}
