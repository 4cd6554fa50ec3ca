// Workflow graphs (SPEC §2.1, §2.2): nodes and edges kept as JSON (unknown keys verbatim) with typed accessors,
// validation in the spec's order, normalisation and cycle detection. Pure; any thread.
import JSON

/// Typed views of a node's JSON.
extension JSON {
    public var nodeID: String? { self["id"]?.string }
    public var nodeData: JSON? { self["data"] }
    /// `data.type`: trigger | action | add.
    public var nodeKind: String? { self["data"]?["type"]?.string }
    public var nodeConfig: JSON? { self["data"]?["config"] }
    public var nodeLabel: String { self["data"]?["label"]?.string ?? "" }
    public var triggerType: String { self["data"]?["config"]?["triggerType"]?.string ?? "Manual" }
    public var actionType: String? { self["data"]?["config"]?["actionType"]?.string }
    public var integrationID: String? { self["data"]?["config"]?["integrationId"]?.string }
    /// `data.enabled === false` disables an action.
    public var isDisabled: Bool { self["data"]?["enabled"] == .bool(false) }
    public var edgeID: String? { self["id"]?.string }
    public var edgeSource: JSON? { self["source"] }
    public var edgeTarget: JSON? { self["target"] }
}

/// Graph validation and normalisation.
public enum WorkflowGraph {
    public static let maxNodes = 2000
    public static let maxEdges = 5000
    public static let maxIDLength = 128

    /// Validates `nodes` and `edges` (already known to be present) in SPEC §2.2's order, graph rules only
    /// (name, description, visibility and integration ownership are checked by the caller afterwards).
    public static func validate(nodes nodesValue: JSON, edges edgesValue: JSON) throws(AppError) -> (nodes: [JSON], edges: [JSON]) {
        guard case .array(let nodes) = nodesValue else { throw AppError.badRequest("nodes must be an array") }
        guard case .array(let edges) = edgesValue else { throw AppError.badRequest("edges must be an array") }
        guard nodes.count <= maxNodes else { throw AppError.badRequest("Too many nodes (max \(maxNodes))") }
        guard edges.count <= maxEdges else { throw AppError.badRequest("Too many edges (max \(maxEdges))") }

        var ids: [String] = []
        ids.reserveCapacity(nodes.count)
        for node in nodes {
            guard node.isObject, let id = node.nodeID, !id.isEmpty, id.scalarCount <= maxIDLength else {
                throw AppError.badRequest("Each node must have a non-empty string id")
            }
            ids.append(id)
        }
        var index: [String: Int] = [:]
        index.reserveCapacity(ids.count)
        for (i, id) in ids.enumerated() {
            if index[id] != nil { throw AppError.badRequest("Duplicate node id: \(id)") }
            index[id] = i
        }
        for (i, node) in nodes.enumerated() {
            guard let data = node.nodeData, data.isObject, let kind = data["type"]?.string,
                  kind == "trigger" || kind == "action" || kind == "add" else {
                throw AppError.badRequest("Invalid node type for node \(ids[i]): must be trigger, action or add")
            }
        }
        for (i, node) in nodes.enumerated() {
            if let config = node.nodeConfig, !config.isObject {
                throw AppError.badRequest("config of node \(ids[i]) must be an object")
            }
        }
        for (i, node) in nodes.enumerated() {
            if let retry = node.nodeData?["retry"], !validRetry(retry) {
                throw AppError.badRequest("Invalid retry settings for node \(ids[i])")
            }
            if let timeout = node.nodeData?["timeoutMs"] {
                guard let t = timeout.integer, t >= 1, t <= 3_600_000 else {
                    throw AppError.badRequest("Invalid timeoutMs for node \(ids[i])")
                }
            }
        }
        for node in nodes where node.nodeKind == "trigger" && node.triggerType == "Schedule" {
            try validateSchedule(node.nodeConfig ?? .object([]))
        }

        var edgeIDs = Set<String>()
        for edge in edges {
            guard edge.isObject, let id = edge.edgeID, !id.isEmpty, id.scalarCount <= maxIDLength else {
                throw AppError.badRequest("Each edge must have a non-empty string id")
            }
            guard edgeIDs.insert(id).inserted else { throw AppError.badRequest("Duplicate edge id: \(id)") }
        }
        var targets: [Int] = []
        var sources: [Int] = []
        targets.reserveCapacity(edges.count)
        sources.reserveCapacity(edges.count)
        for edge in edges {
            for end in [edge.edgeSource, edge.edgeTarget] {
                guard let s = end?.string, index[s] != nil else {
                    throw AppError.badRequest("Edge \(edge.edgeID!) references unknown node \(describe(end))")
                }
            }
            sources.append(index[edge.edgeSource!.string!]!)
            targets.append(index[edge.edgeTarget!.string!]!)
        }
        for (k, t) in targets.enumerated() where nodes[t].nodeKind == "trigger" {
            _ = k
            throw AppError.badRequest("Trigger node \(ids[t]) cannot have incoming edges")
        }
        if hasCycle(nodeCount: nodes.count, sources: sources, targets: targets) {
            throw AppError.badRequest("Workflow graph contains a cycle")
        }
        return (nodes, edges)
    }

    public static func validRetry(_ retry: JSON) -> Bool {
        guard retry.isObject else { return false }
        func inRange(_ key: String, _ range: ClosedRange<Int64>) -> Bool {
            guard let v = retry[key] else { return true }
            guard let i = v.integer else { return false }
            return range.contains(i)
        }
        return inRange("maxAttempts", 1...10) && inRange("backoffMs", 0...600_000) && inRange("maxBackoffMs", 0...3_600_000)
    }

    public static func validateSchedule(_ config: JSON) throws(AppError) {
        switch config["scheduleCron"] {
        case nil, .null?:
            break
        case .string(let cron)?:
            if !cron.trimmed.isEmpty {
                do { _ = try Cron(parsing: cron) } catch { throw AppError.badRequest("Invalid cron expression: \(error.detail)") }
            }
        default:
            throw AppError.badRequest("Invalid cron expression: scheduleCron must be a string")
        }
        switch config["scheduleTimezone"] {
        case nil, .null?:
            break
        case .string(let tz)?:
            guard TimeZones.isValid(tz) else { throw AppError.badRequest("Invalid timezone: \(tz)") }
        case let other?:
            throw AppError.badRequest("Invalid timezone: \(other.text)")
        }
    }

    public static func describe(_ v: JSON?) -> String {
        guard let v else { return "undefined" }
        if case .string(let s) = v { return s }
        return v.text
    }

    /// Kahn's algorithm, iterative and O(V+E): a cycle exists when not every node can be ordered.
    public static func hasCycle(nodeCount: Int, sources: [Int], targets: [Int]) -> Bool {
        var indegree = [Int](repeating: 0, count: nodeCount)
        var start = [Int](repeating: 0, count: nodeCount + 1)
        for s in sources { start[s + 1] += 1 }
        for i in 0..<nodeCount { start[i + 1] += start[i] }
        var fill = start
        var adjacency = [Int](repeating: 0, count: sources.count)
        for (k, s) in sources.enumerated() {
            adjacency[fill[s]] = targets[k]
            fill[s] += 1
            indegree[targets[k]] += 1
        }
        var queue: [Int] = []
        queue.reserveCapacity(nodeCount)
        for i in 0..<nodeCount where indegree[i] == 0 { queue.append(i) }
        var head = 0
        while head < queue.count {
            let n = queue[head]
            head += 1
            for k in start[n]..<start[n + 1] {
                let t = adjacency[k]
                indegree[t] -= 1
                if indegree[t] == 0 { queue.append(t) }
            }
        }
        return queue.count != nodeCount
    }

    /// Fills `type` from `data.type` and a default position where absent (SPEC §2.1, our choice).
    public static func normalize(_ nodes: [JSON]) -> [JSON] {
        nodes.map { node in
            var n = node
            if n["type"] == nil, let kind = n.nodeKind { n.set("type", .string(kind)) }
            if n["position"] == nil { n.set("position", ["x": 0, "y": 0]) }
            return n
        }
    }

    /// The default Manual trigger prepended on create when no node is a trigger.
    public static func defaultTrigger(id: String) -> JSON {
        ["id": .string(id), "type": "trigger", "position": ["x": 0, "y": 0],
         "data": ["label": "", "description": "", "type": "trigger", "config": ["triggerType": "Manual"], "status": "idle"]]
    }

    /// Every `config.integrationId` string in the graph.
    public static func integrationIDs(_ nodes: [JSON]) -> Set<String> {
        var out = Set<String>()
        for n in nodes { if let id = n.integrationID, !id.isEmpty { out.insert(id) } }
        return out
    }
}
