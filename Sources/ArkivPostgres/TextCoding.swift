/// A Swift value sent as a text-format query parameter.
public protocol PostgresTextEncodable: Sendable {
    var postgresText: String { get }
}

/// A Swift value read from a text-format result column.
public protocol PostgresTextDecodable {
    init?(postgresText: String)
}

extension String: PostgresTextEncodable, PostgresTextDecodable {
    public var postgresText: String { self }
    public init?(postgresText: String) { self = postgresText }
}

extension Int: PostgresTextEncodable, PostgresTextDecodable {
    public var postgresText: String { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int32: PostgresTextEncodable, PostgresTextDecodable {
    public var postgresText: String { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int64: PostgresTextEncodable, PostgresTextDecodable {
    public var postgresText: String { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

/// OIDs and other unsigned catalog numbers.
extension UInt32: PostgresTextEncodable, PostgresTextDecodable {
    public var postgresText: String { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Double: PostgresTextEncodable, PostgresTextDecodable {
    public var postgresText: String { String(self) }
    public init?(postgresText: String) {
        switch postgresText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default: self.init(postgresText)
        }
    }
}

extension Bool: PostgresTextEncodable, PostgresTextDecodable {
    public var postgresText: String { self ? "t" : "f" }
    public init?(postgresText: String) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

/// One-dimensional arrays of text (`text[]`, `name[]`, `aclitem[]`, reloptions, ...), as the
/// server prints them: `{a,"b c",NULL}`. NULL elements are not representable here and make
/// decoding fail rather than be silently dropped.
extension Array: PostgresTextDecodable where Element == String {
    public init?(postgresText: String) {
        guard let elements = PostgresArrayLiteral.parse(postgresText) else { return nil }
        var strings: [String] = []
        for element in elements {
            guard let element else { return nil }
            strings.append(element)
        }
        self = strings
    }
}

extension Array: PostgresTextEncodable where Element == String {
    public var postgresText: String { PostgresArrayLiteral.format(self) }
}

/// The text form of one-dimensional arrays.
public enum PostgresArrayLiteral {
    /// Parses `{…}`; returns nil for anything that is not a well-formed one-dimensional array.
    public static func parse(_ text: String) -> [String?]? {
        var scalars = Substring(text).unicodeScalars
        // A lower-bound decoration such as `[0:2]={…}` is not used by the catalogs we read.
        guard scalars.first == "{", scalars.last == "}" else { return nil }
        scalars = scalars.dropFirst().dropLast()
        if scalars.isEmpty { return [] }
        var elements: [String?] = []
        var current = String.UnicodeScalarView()
        var quoted = false, inQuotes = false, escaped = false
        func finish() {
            let value = String(current)
            elements.append(!quoted && value == "NULL" ? nil : value)
            current = String.UnicodeScalarView()
            quoted = false
        }
        for scalar in scalars {
            if escaped {
                current.append(scalar)
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "\"" {
                inQuotes.toggle()
                quoted = true
            } else if scalar == "," && !inQuotes {
                finish()
            } else if scalar == "{" && !inQuotes {
                return nil
            } else {
                current.append(scalar)
            }
        }
        guard !inQuotes, !escaped else { return nil }
        finish()
        return elements
    }

    /// Formats strings as an array literal, quoting every element.
    public static func format(_ elements: [String]) -> String {
        let quoted = elements.map { element -> String in
            var text = "\""
            for character in element {
                if character == "\"" || character == "\\" { text.append("\\") }
                text.append(character)
            }
            return text + "\""
        }
        return "{" + quoted.joined(separator: ",") + "}"
    }
}
