// Idle keep-alive connections per origin, bounded. Any thread: the idle lists live under one mutex, and a connection is
// inside the pool or owned by exactly one caller, never both. Sockets are closed outside the lock.
import Synchronization

/// Hands out idle connections by origin, newest first, and takes finished ones back.
final class ConnectionPool: Sendable {
    /// Idle connections older than this are closed instead of reused: servers commonly drop idle ones after 5–60 s.
    static let maxIdleNs: Int64 = 30_000_000_000

    private let idle = Mutex<[Origin: [ClientConnection]]>([:])
    let maxIdlePerOrigin: Int

    init(maxIdlePerOrigin: Int) {
        self.maxIdlePerOrigin = max(0, maxIdlePerOrigin)
    }

    /// The most recently returned live connection to `origin`, or nil. Dead or expired ones found on the way are closed.
    func checkout(_ origin: Origin) -> ClientConnection? {
        let now = Deadline.now()
        while true {
            let candidate: ClientConnection? = idle.withLock { lists in
                lists[origin]?.popLast()
            }
            guard let connection = candidate else { return nil }
            if now - connection.idleSince < ConnectionPool.maxIdleNs && connection.isIdleAndOpen() { return connection }
            connection.close()
        }
    }

    /// Returns a connection whose last response was read in full and allowed keep-alive.
    func checkin(_ connection: ClientConnection) {
        connection.idleSince = Deadline.now()
        let evicted: ClientConnection? = idle.withLock { lists in
            var list = lists[connection.origin, default: []]
            list.append(connection)
            let oldest = list.count > maxIdlePerOrigin ? list.removeFirst() : nil
            lists[connection.origin] = list.isEmpty ? nil : list
            return oldest
        }
        evicted?.close()
    }

    /// Closes every idle connection.
    func closeAll() {
        let all = idle.withLock { lists in
            defer { lists.removeAll() }
            return lists.values.flatMap { $0 }
        }
        for connection in all { connection.close() }
    }
}
