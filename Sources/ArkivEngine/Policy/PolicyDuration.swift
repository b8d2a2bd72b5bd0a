import Foundation

/// Durations as policy files write them: whole numbers with a unit, e.g. `30d`, `2w`, `12h`,
/// `90m`, `45s`, or several together (`1d12h`). No months or years: their length varies.
public enum PolicyDuration {
    static let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
    /// A hundred years: anything longer is a typo.
    static let maximum: TimeInterval = 100 * 365 * 86_400

    /// The seconds `text` stands for, or nil when it is not a duration this format accepts.
    public static func seconds(_ text: String) -> TimeInterval? {
        var total: TimeInterval = 0
        var digits = ""
        var sawUnit = false
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                // Longer than any sensible count; also keeps Int conversion from overflowing.
                guard digits.count <= 9 else { return nil }
            } else if let unit = units[character], let count = Int(digits) {
                total += TimeInterval(count) * unit
                digits = ""
                sawUnit = true
            } else {
                return nil
            }
        }
        guard sawUnit, digits.isEmpty, total <= maximum else { return nil }
        return total
    }
}
