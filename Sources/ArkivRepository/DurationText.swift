import Foundation

/// Durations as flags and policy files write them: `30d`, `2w`, `36h`, `90m`, `1d12h`. No months
/// or years: their length varies.
public enum DurationText {
    static let units: [(Character, TimeInterval)] = [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
    /// A hundred years: anything longer is a typo.
    static let maximum: TimeInterval = 100 * 365 * 86_400

    /// Seconds, or nil when `text` is not one or more `<number><unit>` with units w, d, h, m, s.
    public static func parse(_ text: String) -> TimeInterval? {
        var total: TimeInterval = 0
        var digits = ""
        var sawUnit = false
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                guard digits.count <= 9 else { return nil }
            } else if let unit = units.first(where: { $0.0 == character }), let number = Int(digits) {
                total += TimeInterval(number) * unit.1
                digits = ""
                sawUnit = true
            } else {
                return nil
            }
        }
        return sawUnit && digits.isEmpty && total <= maximum ? total : nil
    }

    /// The shortest exact form: `30d`, `1d12h`, `0s`.
    public static func format(_ seconds: TimeInterval) -> String {
        var left = Int(seconds.rounded())
        guard left > 0 else { return "0s" }
        var text = ""
        for (unit, size) in units where unit != "w" {
            let count = left / Int(size)
            if count > 0 {
                text += "\(count)\(unit)"
                left -= count * Int(size)
            }
        }
        return text
    }
}
