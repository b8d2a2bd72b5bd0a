/// File names for the archives of a set: one per schema, never derived from a schema name
/// without cleaning, so a schema called `../../etc` stays inside the set folder.
enum ArchiveFileNames {
    /// `01-vault.arkiv`, `02-billy.arkiv`, …: the position keeps names unique whatever cleaning
    /// merged; the cleaned name keeps them readable. The manifest maps each file to its schema.
    static func names(forSchemas schemas: [String]) -> [String: String] {
        var names: [String: String] = [:]
        let width = max(2, String(schemas.count).count)
        for (index, schema) in schemas.enumerated() {
            let number = String(index + 1)
            let padded = String(repeating: "0", count: width - number.count) + number
            names[schema] = "\(padded)-\(clean(schema)).arkiv"
        }
        return names
    }

    static func clean(_ schema: String) -> String {
        var cleaned = ""
        for scalar in schema.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-" {
                cleaned.unicodeScalars.append(scalar)
            } else if !cleaned.hasSuffix("_") {
                cleaned.append("_")
            }
            if cleaned.count >= 40 { break }
        }
        let trimmed = cleaned.trimmingCharacters(in: ["_", "-"])
        return trimmed.isEmpty ? "schema" : trimmed
    }
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
