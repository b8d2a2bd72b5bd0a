/// Cuts a stored COPY stream (chunked at arbitrary byte offsets) back into the messages the
/// server sent: one row per message, and in binary format the header and the trailer apart,
/// so the same `CopyRowInspector` that saw the backup can check what the archive holds.
struct CopyStreamSplitter {
    enum SplitError: Error, CustomStringConvertible {
        case malformed(String)
        var description: String {
            switch self { case .malformed(let detail): "the stored COPY data is malformed: \(detail)" }
        }
    }

    private let format: CopyRowInspector.Format
    /// The start of a message that did not end in the bytes seen so far.
    private var pending: [UInt8] = []
    /// Text format: how many bytes of `pending` are known to hold no newline, so a row longer
    /// than a chunk is scanned once, not once per chunk.
    private var scanned = 0
    private var sawHeader = false
    private var sawTrailer = false

    init(format: CopyRowInspector.Format) {
        self.format = format
    }

    /// Adds a chunk; calls `emit` with every complete message it now holds. Messages are cut
    /// from the chunk itself; only an unfinished one is kept, to be completed by the next.
    mutating func feed(_ chunk: [UInt8], _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        if pending.isEmpty {
            let consumed = try split(chunk, emit)
            pending = Array(chunk[consumed...])
            scanned = max(0, scanned - consumed)
        } else {
            pending += chunk
            let consumed = try split(pending, emit)
            pending.removeFirst(consumed)
            scanned = max(0, scanned - consumed)
        }
    }

    /// Emits every complete message of `buffer`; returns how many bytes they took.
    private mutating func split(_ buffer: [UInt8], _ emit: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var start = 0
        try buffer.withUnsafeBytes { bytes in
            while let end = try messageEnd(bytes, from: start) {
                try emit(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                start = end
            }
        }
        return start
    }

    /// Checks that nothing is left over: a stream that ends inside a row is damaged.
    func finish() throws {
        guard pending.isEmpty else { throw SplitError.malformed("\(pending.count) bytes after the last complete row") }
        if format == .binary && !sawTrailer { throw SplitError.malformed("the binary stream has no trailer") }
    }

    /// Where the message starting at `start` ends, or nil when more bytes are needed.
    private mutating func messageEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) throws -> Int? {
        guard start < bytes.count else { return nil }
        switch format {
        case .text:
            guard let newline = bytes[max(start, scanned)...].firstIndex(of: 0x0A) else {
                scanned = bytes.count
                return nil
            }
            return newline + 1
        case .binary:
            if sawTrailer { throw SplitError.malformed("data after the binary trailer") }
            if !sawHeader {
                guard bytes.count - start >= 19 else { return nil }
                let extensionLength = Int(CopyRowInspector.readInt32(bytes, at: start + 15))
                guard extensionLength >= 0 else { throw SplitError.malformed("negative header extension length") }
                guard bytes.count - start >= 19 + extensionLength else { return nil }
                sawHeader = true
                return start + 19 + extensionLength
            }
            guard bytes.count - start >= 2 else { return nil }
            let fields = Int(CopyRowInspector.readInt16(bytes, at: start))
            if fields == -1 {
                sawTrailer = true
                return start + 2
            }
            guard fields >= 0 else { throw SplitError.malformed("negative field count") }
            var offset = start + 2
            for _ in 0..<fields {
                guard bytes.count - offset >= 4 else { return nil }
                let length = Int(CopyRowInspector.readInt32(bytes, at: offset))
                offset += 4
                if length > 0 {
                    guard bytes.count - offset >= length else { return nil }
                    offset += length
                } else if length < -1 {
                    throw SplitError.malformed("negative field length \(length)")
                }
            }
            return offset
        }
    }
}
