import ArkivArchive
import Foundation

/// An archive in object storage, read by range. Readers ask for small pieces (a record header,
/// then its payload), so each request fetches a window ahead (4 MiB) and the last few windows
/// are kept: a member's records come from memory, one ranged GET per window.
public final class StorageInput: ArchiveInput, @unchecked Sendable {
    public let size: UInt64
    private let storage: any Storage
    private let name: String
    private let windowSize: UInt64
    private let keptWindows: Int
    private let lock = NSLock()
    /// Most recently used last.
    private var windows: [(start: UInt64, bytes: Data)] = []

    public init(storage: any Storage, name: String, windowSize: Int = 4 << 20, keptWindows: Int = 3) throws(StorageError) {
        guard let info = try storage.stat(name) else { throw .notFound(name) }
        self.storage = storage
        self.name = name
        size = info.size
        self.windowSize = UInt64(windowSize)
        self.keptWindows = keptWindows
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(ArchiveError) -> Int {
        var done = 0
        while done < buffer.count, offset + UInt64(done) < size {
            let position = offset + UInt64(done)
            let window = try self.window(containing: position, wanted: UInt64(buffer.count - done))
            let start = Int(position - window.start)
            let count = min(buffer.count - done, window.bytes.count - start)
            guard count > 0 else { break }
            window.bytes.withUnsafeBytes { source in
                guard let target = buffer.baseAddress, let from = source.baseAddress else { return }
                (target + done).copyMemory(from: from + start, byteCount: count)
            }
            done += count
        }
        return done
    }

    private func window(containing position: UInt64, wanted: UInt64) throws(ArchiveError) -> (start: UInt64, bytes: Data) {
        lock.lock()
        if let index = windows.firstIndex(where: { position >= $0.start && position < $0.start + UInt64($0.bytes.count) }) {
            let window = windows.remove(at: index)
            windows.append(window)
            lock.unlock()
            return window
        }
        lock.unlock()
        // Fetched outside the lock: other threads read other windows meanwhile.
        let end = min(size, position + max(windowSize, wanted))
        let bytes: Data
        do { bytes = try storage.read(name, range: position..<end) } catch {
            throw .io(path: storage.location + "/" + name, operation: "read (\(error))", errno: EIO)
        }
        let window = (start: position, bytes: bytes)
        lock.withLock {
            windows.append(window)
            if windows.count > keptWindows { windows.removeFirst() }
        }
        return window
    }
}
