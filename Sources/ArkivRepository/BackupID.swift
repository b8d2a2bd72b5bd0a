import Foundation

/// A backup set's name: `20261125T031500Z-4f9a1c` or `20261125T031500Z-4f9a1c-pre-cutover`.
///
/// The UTC timestamp first makes ids sort by time as plain strings; the random suffix keeps two
/// sets started in the same second apart; the optional label is what a person named it. Only
/// `[a-z0-9-]` ever appears, so an id can never become a path outside the repository.
public struct BackupID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    public init(parsing text: String) throws(RepositoryError) {
        guard let parsed = Self.parse(text) else {
            throw .invalidBackupID(text, reason: "expected YYYYMMDDTHHMMSSZ-xxxxxx[-label]")
        }
        self.rawValue = text
        self.createdAt = parsed
    }

    /// A new id for a set started at `date`.
    public init(date: Date = Date(), label: String? = nil) throws(RepositoryError) {
        // Milliseconds first, then randomness: two sets of the same second sort by time.
        var random = SystemRandomNumberGenerator()
        let milliseconds = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
        let suffix = String(format: "%03x%03x", milliseconds, random.next(upperBound: UInt32(0x1000)))
        var text = CompactTimestamp.string(from: date) + "-" + suffix
        if let label {
            let cleaned = try Self.cleanLabel(label)
            text += "-" + cleaned
        }
        try self.init(parsing: text)
    }

    /// The time in the id (second precision, UTC).
    public let createdAt: Date

    /// The label part, if any.
    public var label: String? {
        let parts = rawValue.split(separator: "-", maxSplits: 2)
        return parts.count == 3 ? String(parts[2]) : nil
    }

    public var description: String { rawValue }

    public static func < (lhs: BackupID, rhs: BackupID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Refuses a label a set could not carry, before anything is done.
    public static func validate(label: String) throws(RepositoryError) {
        _ = try cleanLabel(label)
    }

    /// Checks a label holds only lowercase letters, digits and dashes. Capitals are refused, not
    /// lowered: a label someone types to find a set again must come back as typed.
    static func cleanLabel(_ label: String) throws(RepositoryError) -> String {
        let cleaned = label
        if cleaned != cleaned.lowercased() {
            throw .invalidBackupID(label, reason: "a label is lowercase; give \(cleaned.lowercased().debugDescription)")
        }
        let allowed = cleaned.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard allowed, !cleaned.isEmpty, cleaned.count <= 40, !cleaned.hasPrefix("-"), !cleaned.hasSuffix("-") else {
            throw .invalidBackupID(label, reason: "a label is 1–40 characters of a–z, 0–9 and inner dashes")
        }
        return cleaned
    }

    private static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].count == 16, parts[1].count == 6,
              parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        if parts.count == 3 {
            guard (try? cleanLabel(String(parts[2]))) == String(parts[2]) else { return nil }
        }
        return CompactTimestamp.date(from: String(parts[0]))
    }

}

/// `yyyyMMdd'T'HHmmss'Z'` in UTC, by hand: exact, locale-free, and safe from any thread.
public enum CompactTimestamp {
    public static func string(from date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    public static func date(from text: String) -> Date? {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 16, scalars[8] == "T", scalars[15] == "Z" else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                let scalar = scalars[index]
                guard ("0"..."9").contains(scalar) else { return nil }
                value = value * 10 + Int32(scalar.value - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = timegm(&parts)
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        // timegm normalises 31 February into March; such an id is not one we wrote.
        return string(from: date) == text ? date : nil
    }
}
