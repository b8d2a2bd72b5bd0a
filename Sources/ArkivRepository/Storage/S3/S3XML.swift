/// The few XML answers S3 sends (listings, multipart, errors), read by tag: enough for their
/// flat shapes, with the five predefined entities and numeric references (`&#34;`) decoded.
enum S3XML {
    /// The text of every `<tag>…</tag>` in `xml`, in order.
    static func values(_ tag: String, in xml: Substring) -> [String] {
        var found: [String] = []
        var rest = xml
        let open = "<\(tag)>", close = "</\(tag)>"
        while let start = rest.range(of: open), let end = rest[start.upperBound...].range(of: close) {
            found.append(unescape(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return found
    }

    static func value(_ tag: String, in xml: Substring) -> String? { values(tag, in: xml).first }

    /// The `<tag>…</tag>` blocks themselves, for repeated groups (`Contents`, `Upload`).
    static func blocks(_ tag: String, in xml: Substring) -> [Substring] {
        var found: [Substring] = []
        var rest = xml
        while let start = rest.range(of: "<\(tag)>"), let end = rest[start.upperBound...].range(of: "</\(tag)>") {
            found.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func unescape(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var decoded = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            decoded += rest[..<amp]
            if let semicolon = rest[amp...].firstIndex(of: ";"), rest[amp...].hasPrefix("&#") {
                let digits = rest[rest.index(amp, offsetBy: 2)..<semicolon]
                let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                if let value, let scalar = Unicode.Scalar(value) {
                    decoded.unicodeScalars.append(scalar)
                    rest = rest[rest.index(after: semicolon)...]
                    continue
                }
            }
            decoded += "&"
            rest = rest[rest.index(after: amp)...]
        }
        decoded += rest
        return decoded.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}
