import ArgumentParser

/// `--role-map old=new`, shared by restore (which applies it) and verify compare (which
/// expects it applied).
struct RoleMapOptions: ParsableArguments {
    @Option(name: .customLong("role-map"), help: ArgumentHelp("Role old of the source is role new in the target (repeatable).", valueName: "old=new"))
    var pairs: [String] = []

    func map() throws -> [String: String] {
        var map: [String: String] = [:]
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--role-map takes old=new, not \(pair.debugDescription)")
            }
            guard map[parts[0]] == nil else { throw ValidationError("role \(parts[0]) is mapped twice") }
            map[parts[0]] = parts[1]
        }
        return map
    }
}
