import Foundation

/// N named threads running the same body, joined before returning. Blocking libpq work needs
/// real threads: Swift's cooperative pool has only as many as there are cores.
enum WorkerThreads {
    static func run(count: Int, name: String, _ body: @escaping @Sendable () -> Void) {
        let group = DispatchGroup()
        for index in 0..<max(1, count) {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                body()
            }
            thread.name = "\(name)-\(index + 1)"
            thread.stackSize = 4 << 20
            thread.start()
        }
        group.wait()
    }
}
