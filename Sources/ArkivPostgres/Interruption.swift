import CLibPQ
import Dispatch
import Foundation

/// SIGINT, SIGTERM and SIGHUP (a dropped ssh session), turned into cancelled queries instead of
/// a killed process.
///
/// A signal sets a flag and sends a cancel request for every open connection (PQcancel is the
/// one libpq call meant for this). The running COPY or query then fails with SQLSTATE 57014,
/// the command unwinds through its normal error path (temporary files removed, locks
/// released), and exits non-zero. A second signal ends the process at once.
public final class Interruption: @unchecked Sendable {
    public static let shared = Interruption()

    private let lock = NSLock()
    private var cancellers: [ObjectIdentifier: Canceller] = [:]
    private var sources: [DispatchSourceSignal] = []
    private var requestedBy: Int32 = 0

    /// Tests make private instances; the program uses `shared`.
    init() {}

    /// Routes SIGINT, SIGTERM and SIGHUP here. Call once, early in `main`.
    public func installSignalHandlers() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.request(by: signalNumber) }
            source.resume()
            sources.append(source)
        }
    }

    /// Whether a signal (or `request`) asked everything to stop.
    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requestedBy != 0
    }

    /// "SIGINT", "SIGTERM", or "a cancel request".
    public var signalName: String {
        lock.lock()
        defer { lock.unlock() }
        switch requestedBy {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "a cancel request"
        }
    }

    /// Cancels every running statement. Called by the signal handlers; tests call it directly.
    public func request(by signalNumber: Int32 = -1) {
        lock.lock()
        let alreadyRequested = requestedBy != 0
        if !alreadyRequested { requestedBy = signalNumber }
        let running = Array(cancellers.values)
        lock.unlock()
        if alreadyRequested && signalNumber > 0 {
            // The user asked twice: stop waiting for a clean unwind.
            FileHandle.standardError.write(Data("arkiv: second signal, exiting now\n".utf8))
            _exit(1)
        }
        for canceller in running { canceller.cancel() }
    }

    /// Forgets a request, so a long-lived process (the test runner) can go on.
    public func reset() {
        lock.lock()
        defer { lock.unlock() }
        requestedBy = 0
    }

    func register(_ canceller: Canceller) {
        lock.lock()
        defer { lock.unlock() }
        cancellers[ObjectIdentifier(canceller)] = canceller
    }

    func unregister(_ canceller: Canceller) {
        lock.lock()
        defer { lock.unlock() }
        cancellers[ObjectIdentifier(canceller)] = nil
    }
}

/// A connection's PGcancel handle, usable from any thread while the connection lives.
final class Canceller: @unchecked Sendable {
    private let lock = NSLock()
    private var handle: OpaquePointer?

    init(_ handle: OpaquePointer) { self.handle = handle }

    @discardableResult
    func cancel() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let handle else { return false }
        var errorBuffer = [CChar](repeating: 0, count: 256)
        return PQcancel(handle, &errorBuffer, Int32(errorBuffer.count)) == 1
    }

    func invalidate() {
        lock.lock()
        defer { lock.unlock() }
        if let handle { PQfreeCancel(handle) }
        handle = nil
    }
}
