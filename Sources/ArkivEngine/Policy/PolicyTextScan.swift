/// A light pass over a policy file's text, before and beside the TOML parser: where each key
/// is written (TOMLKit gives positions for syntax errors only), and the limits that keep the
/// parser's work small whatever the input.
///
/// It is deliberately forgiving: on text that is not valid TOML it records what it can and
/// leaves the verdict to the parser. Every step advances, so it ends on any input.
struct PolicyTextScan {
    /// Where a key was first written: dotted path → 1-based line.
    private(set) var lines: [String: Int] = [:]
    /// Every key written, in order, with its line (for the checks on key names).
    private(set) var keys: [(path: [String], line: Int)] = []
    /// A limit the text exceeds, with its line; the parser is not run then.
    private(set) var limitExceeded: (line: Int, message: String)?

    static let maximumKeyDepth = 8
    static let maximumNesting = 8

    init(_ text: String) {
        let bytes = Array(text.utf8)
        var index = 0
        var line = 1
        var tablePrefix: [String] = []
        // Open arrays (nil) and inline tables (their key path), innermost last.
        var stack: [[String]?] = []
        var expectingKey = true
        var lastKey: [String] = []
        // Right after '[' or ',' in an array, where toml++ (3.x) asserts, rather than reports,
        // that a '}' cannot start a value.
        var awaitingArrayValue = false
        var lines: [String: Int] = [:]
        var keys: [(path: [String], line: Int)] = []
        var limitExceeded: (line: Int, message: String)?
        func record(_ path: [String], line: Int) {
            keys.append((path, line))
            if path.count > Self.maximumKeyDepth {
                limitExceeded = (line, "a key more than \(Self.maximumKeyDepth) levels deep")
            }
            let dotted = path.joined(separator: ".")
            if lines[dotted] == nil { lines[dotted] = line }
        }

        func peek(_ offset: Int = 0) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }
        func skipBlanks() {
            while let byte = peek(), byte == 0x20 || byte == 0x09 { index += 1 }
        }
        // Skips a string starting at `index` (a quote), counting the newlines of multi-line ones.
        func skipString() -> String {
            let quote = bytes[index]
            let triple = peek(1) == quote && peek(2) == quote
            index += triple ? 3 : 1
            var content: [UInt8] = []
            while let byte = peek() {
                if quote == 0x22, byte == 0x5C {  // backslash escape in a basic string
                    if peek(1) == 0x0A { line += 1 }
                    content.append(byte)
                    if let next = peek(1) { content.append(next) }
                    index += 2
                    continue
                }
                if byte == quote && (!triple || (peek(1) == quote && peek(2) == quote)) {
                    index += triple ? 3 : 1
                    // A multi-line string may end with up to two extra quotes inside it.
                    while triple, peek() == quote { index += 1 }
                    return String(decoding: content, as: UTF8.self)
                }
                if byte == 0x0A {
                    line += 1
                    if !triple { return String(decoding: content, as: UTF8.self) }
                }
                content.append(byte)
                index += 1
            }
            return String(decoding: content, as: UTF8.self)
        }
        // A dotted key: bare or quoted segments separated by dots.
        func readKey() -> [String] {
            var segments: [String] = []
            while true {
                skipBlanks()
                guard let byte = peek() else { break }
                if byte == 0x22 || byte == 0x27 {
                    segments.append(skipString())
                } else if Self.isBareKeyByte(byte) {
                    let start = index
                    while let next = peek(), Self.isBareKeyByte(next) { index += 1 }
                    segments.append(String(decoding: bytes[start..<index], as: UTF8.self))
                } else {
                    break
                }
                skipBlanks()
                guard peek() == 0x2E else { break }
                index += 1
            }
            return segments
        }

        while index < bytes.count, limitExceeded == nil {
            let byte = bytes[index]
            let inArray = stack.last.map { $0 == nil } ?? false
            if byte == 0x7D, inArray, awaitingArrayValue {
                limitExceeded = (line, "'}' where an array value belongs")
                break
            }
            // Blanks, line ends, comments and non-ASCII bytes (possibly Unicode blanks) leave it
            // as it was; being generous here only refuses more.
            let keepsAwaiting = [0x20, 0x09, 0x0D, 0x0A, 0x23].contains(byte) || byte >= 0x80
            let wasAwaiting = awaitingArrayValue
            awaitingArrayValue = false
            switch byte {
            case 0x20, 0x09, 0x0D:
                index += 1
            case 0x0A:
                line += 1
                index += 1
                if stack.isEmpty { expectingKey = true }
            case 0x23:  // a comment runs to the end of the line
                while let next = peek(), next != 0x0A { index += 1 }
            case 0x5B where stack.isEmpty && expectingKey:  // [table] or [[array of tables]]
                index += 1
                if peek() == 0x5B { index += 1 }
                let path = readKey()
                tablePrefix = path
                record(path, line: line)
                expectingKey = false
                while let next = peek(), next == 0x5D { index += 1 }
            case _ where expectingKey && (Self.isBareKeyByte(byte) || byte == 0x22 || byte == 0x27):
                let scope = stack.last.flatMap { $0 } ?? tablePrefix
                let path = scope + readKey()
                record(path, line: line)
                lastKey = path
                expectingKey = false
                skipBlanks()
                if peek() == 0x3D { index += 1 }
            case 0x22, 0x27:
                _ = skipString()
            case 0x5B:
                stack.append(nil)
                awaitingArrayValue = true
                index += 1
            case 0x7B:
                stack.append(lastKey)
                expectingKey = true
                index += 1
            case 0x5D, 0x7D:
                // Back in the enclosing value: a following `{` belongs to the same key.
                if let closed = stack.popLast(), let scope = closed { lastKey = scope }
                expectingKey = false
                index += 1
            case 0x2C:
                if let innermost = stack.last, innermost != nil { expectingKey = true }
                awaitingArrayValue = inArray
                index += 1
            default:
                index += 1
            }
            if keepsAwaiting && wasAwaiting { awaitingArrayValue = true }
            if stack.count > Self.maximumNesting {
                limitExceeded = (line, "arrays and inline tables nest more than \(Self.maximumNesting) deep")
            }
        }

        self.lines = lines
        self.keys = keys
        self.limitExceeded = limitExceeded
    }

    /// The line of a dotted key, else of its nearest written parent (a value inside an inline
    /// table or array is on its key's line), else 1.
    func line(of dotted: String) -> Int {
        var path = dotted.split(separator: ".", omittingEmptySubsequences: false)
        while !path.isEmpty {
            if let line = lines[path.joined(separator: ".")] { return line }
            path.removeLast()
        }
        return 1
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x5F
    }
}
