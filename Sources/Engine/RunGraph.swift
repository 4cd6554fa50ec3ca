// A run's graph, built once from the snapshot (SPEC §5 Graph): `add` nodes and their edges dropped, edges by index,
// per-node settings (retry, timeout, disabled) read with their defaults. Value; built on the run's queue.
import Domain
import JSON

struct RunGraph {
    struct Node {
        let id: String
        let isTrigger: Bool
        let label: String
        let config: JSON
        let disabled: Bool
        let maxAttempts: Int
        let backoffMs: Int
        let maxBackoffMs: Int
        let timeoutMs: Int
    }

    struct Edge {
        let source: Int
        let target: Int
        /// `sourceHandle === "false"`: active when the source Condition was false.
        let onFalse: Bool
    }

    var nodes: [Node] = []
    var edges: [Edge] = []
    var incoming: [[Int]] = []
    var outgoing: [[Int]] = []
    /// The first trigger node in `nodes` order.
    var entry: Int?

    init(nodes raw: [JSON], edges rawEdges: [JSON], defaultTimeoutMs: Int) {
        var index: [String: Int] = [:]
        for n in raw {
            guard let id = n.nodeID, let kind = n.nodeKind, kind == "trigger" || kind == "action", index[id] == nil else { continue }
            let retry = n["data"]?["retry"]
            func int(_ v: JSON?, _ d: Int) -> Int { v?.integer.map { Int($0) } ?? d }
            index[id] = nodes.count
            nodes.append(Node(
                id: id, isTrigger: kind == "trigger", label: n.nodeLabel, config: n.nodeConfig ?? .object([]),
                disabled: kind == "action" && n.isDisabled,
                maxAttempts: max(1, int(retry?["maxAttempts"], 1)), backoffMs: max(0, int(retry?["backoffMs"], 1000)),
                maxBackoffMs: max(0, int(retry?["maxBackoffMs"], 30_000)),
                timeoutMs: max(1, int(n["data"]?["timeoutMs"], defaultTimeoutMs))))
            if entry == nil && kind == "trigger" { entry = nodes.count - 1 }
        }
        incoming = Array(repeating: [], count: nodes.count)
        outgoing = Array(repeating: [], count: nodes.count)
        for e in rawEdges {
            guard let s = e.edgeSource?.string, let t = e.edgeTarget?.string, let si = index[s], let ti = index[t] else { continue }
            let onFalse = e["sourceHandle"] == .string("false")
            incoming[ti].append(edges.count)
            outgoing[si].append(edges.count)
            edges.append(Edge(source: si, target: ti, onFalse: onFalse))
        }
    }
}
