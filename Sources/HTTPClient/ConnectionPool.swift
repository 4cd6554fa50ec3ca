// Idle keep-alive connections per origin, bounded. Any thread: the idle lists live under one mutex, and a connection is
// inside the pool or owned by exactly one caller, never both. Sockets are closed outside the lock.
import Synchronization

/// Hands out idle connections by origin, newest first, and takes finished ones back.
final class ConnectionPool: Sendable {
    /// Idle connections older than this are closed instead of reused: servers commonly drop idle ones after 5–60 s.
    static let maxIdleNs: Int64 = 30_000_000_000

    private let idle = Mutex<[Origin: [ClientConnection]]>([:])
    let maxIdlePerOrigin: Int
    /// Idle connections across all origins: past it the oldest go, so a workflow calling many distinct hosts cannot
    /// pile up sockets.
    let maxIdleTotal: Int

    init(maxIdlePerOrigin: Int, maxIdleTotal: Int = 128) {
        self.maxIdlePerOrigin = max(0, maxIdlePerOrigin)
        self.maxIdleTotal = max(0, maxIdleTotal)
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

    /// Returns a connection whose last response was read in full and allowed keep-alive. Expired connections of every
    /// origin are swept out on the way (an origin that is never called again would otherwise keep its sockets).
    func checkin(_ connection: ClientConnection) {
        let now = Deadline.now()
        connection.idleSince = now
        let closing: [ClientConnection] = idle.withLock { lists in
            var out: [ClientConnection] = []
            var list = lists[connection.origin, default: []]
            list.append(connection)
            if list.count > maxIdlePerOrigin { out.append(list.removeFirst()) }
            lists[connection.origin] = list.isEmpty ? nil : list
            var total = 0
            for (origin, l) in lists {
                let fresh = l.filter { now - $0.idleSince < ConnectionPool.maxIdleNs }
                if fresh.count != l.count {
                    out.append(contentsOf: l.filter { now - $0.idleSince >= ConnectionPool.maxIdleNs })
                    lists[origin] = fresh.isEmpty ? nil : fresh
                }
                total += fresh.count
            }
            while total > maxIdleTotal {
                // Evict the oldest idle connection of all.
                guard let (origin, index) = lists.flatMap({ o, l in l.indices.map { (o, $0) } })
                    .min(by: { lists[$0.0]![$0.1].idleSince < lists[$1.0]![$1.1].idleSince }) else { break }
                out.append(lists[origin]!.remove(at: index))
                if lists[origin]!.isEmpty { lists[origin] = nil }
                total -= 1
            }
            return out
        }
        for c in closing { c.close() }
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
