// Sanitised node lists of public workflows (integration ids removed), kept so that a GET by a non-owner does not parse
// the stored graph again: an entry is valid for the `updatedAt` it was made from. Bounded by bytes. Thread-safe.
import Domain
import Synchronization

final class PublicNodesCache: Sendable {
    private struct State {
        var entries: [WorkflowID: (updatedAt: Int64, nodes: String)] = [:]
        var order: [WorkflowID] = []
        var head = 0
        var bytes = 0
    }

    let maxBytes: Int
    private let state = Mutex(State())

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// The cached sanitised nodes of `id` at version `updatedAt`, if any.
    func get(_ id: WorkflowID, updatedAt: Int64) -> String? {
        state.withLock { s in
            guard let e = s.entries[id], e.updatedAt == updatedAt else { return nil }
            return e.nodes
        }
    }

    /// Remembers `nodes` for `id` at `updatedAt`, evicting the oldest entries past `maxBytes`. A list larger than
    /// a quarter of the cache is not kept.
    func put(_ id: WorkflowID, updatedAt: Int64, nodes: String) {
        let size = nodes.utf8.count
        guard size <= maxBytes / 4 else { return }
        state.withLock { s in
            if let old = s.entries[id] { s.bytes -= old.nodes.utf8.count } else { s.order.append(id) }
            s.entries[id] = (updatedAt, nodes)
            s.bytes += size
            while s.bytes > maxBytes && s.head < s.order.count {
                let victim = s.order[s.head]
                s.head += 1
                if let e = s.entries.removeValue(forKey: victim) { s.bytes -= e.nodes.utf8.count }
            }
            if s.head > 1024 && s.head * 2 > s.order.count {
                s.order.removeFirst(s.head)
                s.head = 0
            }
        }
    }
}
