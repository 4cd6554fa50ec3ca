// A TCP server on 127.0.0.1 that accepts, reads, and never answers, recording when each connection is closed by the
// peer: the target of timeout and cancellation tests ("the fake server sees its connection closed"). Its own thread.
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

final class HangingServer: @unchecked Sendable {   // fd is fixed; `events` is locked
    let port: Int
    private let fd: Int32
    private let events = Mutex<(accepted: Int, closedAt: [Double])>((0, []))
    private let stopped = Atomic<Bool>(false)

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let listener = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        listen(listener, 64)
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { [self] in
            while !stopped.load(ordering: .relaxed) {
                let c = accept(listener, nil, nil)
                if c < 0 { break }
                events.withLock { $0.accepted += 1 }
                Thread.detachNewThread { [self] in
                    var buf = [UInt8](repeating: 0, count: 4096)
                    while true {
                        let n = recv(c, &buf, buf.count, 0)
                        if n <= 0 { break }
                    }
                    let t = monotonicSeconds()
                    events.withLock { $0.closedAt.append(t) }
                    close(c)
                }
            }
        }
    }

    deinit {
        stopped.store(true, ordering: .relaxed)
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    var accepted: Int { events.withLock { $0.accepted } }
    /// When (monotonicSeconds) each connection was seen closed by the peer.
    var closedAt: [Double] { events.withLock { $0.closedAt } }

    /// Waits until `n` connections are open (accepted and not closed).
    func waitForOpen(_ n: Int, timeout: Double = 10) -> Bool {
        eventually(timeout: timeout) { events.withLock { $0.accepted - $0.closedAt.count } >= n }
    }
}
