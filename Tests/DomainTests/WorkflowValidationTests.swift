// Workflow graph validation (SPEC §2.2): each rule with its exact message, the order between two failing rules,
// retry/timeout bounds, Schedule trigger checks, unknown keys surviving, and large graphs validating quickly.
import JSON
import Testing
@testable import Domain

/// Builders and a validation shortcut shared by the graph tests.
enum G {
    static func node(_ id: String, _ kind: String = "action", config: JSON? = nil, data extra: [(String, JSON)] = [],
                     keys: [(String, JSON)] = []) -> JSON {
        var data: JSON = ["type": .string(kind)]
        if let config { data.set("config", config) }
        for (k, v) in extra { data.set(k, v) }
        var n: JSON = ["id": .string(id), "data": data]
        for (k, v) in keys { n.set(k, v) }
        return n
    }

    static func trigger(_ id: String, _ config: JSON = ["triggerType": "Manual"]) -> JSON { node(id, "trigger", config: config) }

    static func schedule(_ cron: JSON?, _ tz: JSON? = nil, id: String = "t") -> JSON {
        var config: JSON = ["triggerType": "Schedule"]
        if let cron { config.set("scheduleCron", cron) }
        if let tz { config.set("scheduleTimezone", tz) }
        return trigger(id, config)
    }

    static func edge(_ id: String, _ source: String, _ target: String) -> JSON {
        ["id": .string(id), "source": .string(source), "target": .string(target)]
    }

    /// The message validation fails with, or nil when the graph is valid. Any non-400 is reported as a failure.
    static func error(_ nodes: JSON, _ edges: JSON = [], sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        do {
            _ = try WorkflowGraph.validate(nodes: nodes, edges: edges)
            return nil
        } catch let e as AppError {
            guard case .badRequest(let m) = e else {
                Issue.record("expected a 400, got \(e)", sourceLocation: sourceLocation)
                return nil
            }
            return m
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    static func nodes(_ items: JSON...) -> JSON { .array(items) }
}

@Suite struct WorkflowValidationRuleTests {
    @Test func validGraphPasses() {
        let nodes = G.nodes(G.trigger("t"), G.node("a"), G.node("b"), G.node("p", "add"))
        let edges: JSON = [G.edge("e1", "t", "a"), G.edge("e2", "a", "b"), G.edge("e3", "t", "b")]
        #expect(G.error(nodes, edges) == nil)
        #expect(G.error([], []) == nil)
    }

    @Test func nodesAndEdgesMustBeArrays() {
        for bad: JSON in [.object([]), "[]", 1, true, .null] {
            #expect(G.error(bad, []) == "nodes must be an array")
            #expect(G.error([], bad) == "edges must be an array")
            #expect(G.error(bad, bad) == "nodes must be an array")
        }
    }

    @Test func nodeAndEdgeCaps() {
        let max = JSON.array((0..<2000).map { G.node("n\($0)") })
        #expect(G.error(max, []) == nil)
        let over = JSON.array((0..<2001).map { G.node("n\($0)") })
        #expect(G.error(over, []) == "Too many nodes (max 2000)")
        // The caps come before any per-item rule: 5,001 junk edges fail on the count alone.
        #expect(G.error([], .array(Array(repeating: JSON.int(1), count: 5001))) == "Too many edges (max 5000)")
        #expect(G.error([], .array(Array(repeating: JSON.int(1), count: 5000))) == "Each edge must have a non-empty string id")
        #expect(G.error(.array(Array(repeating: JSON.int(1), count: 2001)), .array(Array(repeating: JSON.int(1), count: 5001)))
                == "Too many nodes (max 2000)")
    }

    @Test func nodeIDs() {
        let message = "Each node must have a non-empty string id"
        let bad: [JSON] = [
            1, "n1", .null, [], ["data": ["type": "action"]], ["id": "", "data": ["type": "action"]],
            ["id": 7, "data": ["type": "action"]], ["id": .null, "data": ["type": "action"]],
            ["id": .string(String(repeating: "x", count: 129)), "data": ["type": "action"]],
            ["id": .string(String(repeating: "é", count: 129)), "data": ["type": "action"]],
        ]
        for node in bad { #expect(G.error([G.node("ok"), node]) == message, "\(node.text)") }
        // 128 scalars is the limit (counted in scalars, not bytes); ids are taken verbatim, spaces included.
        #expect(G.error([G.node(String(repeating: "x", count: 128))]) == nil)
        #expect(G.error([G.node(String(repeating: "é", count: 128))]) == nil)
        #expect(G.error([G.node(" "), G.node("😀")]) == nil)
    }

    @Test func duplicateNodeIDs() {
        #expect(G.error(G.nodes(G.node("a"), G.node("b"), G.node("a"))) == "Duplicate node id: a")
        #expect(G.error(G.nodes(G.node("x y"), G.node("x y"))) == "Duplicate node id: x y")
        // Case matters: "A" and "a" are different ids.
        #expect(G.error(G.nodes(G.node("a"), G.node("A"))) == nil)
    }

    @Test func nodeTypes() {
        let bad: [JSON] = [
            ["id": "n1"], ["id": "n1", "data": .null], ["id": "n1", "data": "action"], ["id": "n1", "data": []],
            ["id": "n1", "data": [:]], ["id": "n1", "data": ["type": "Action"]], ["id": "n1", "data": ["type": "step"]],
            ["id": "n1", "data": ["type": 1]], ["id": "n1", "data": ["type": ""]],
            // The top-level `type` is not what counts.
            ["id": "n1", "type": "action", "data": ["label": "x"]],
        ]
        for node in bad {
            #expect(G.error([G.trigger("t"), node]) == "Invalid node type for node n1: must be trigger, action or add", "\(node.text)")
        }
        for kind in ["trigger", "action", "add"] { #expect(G.error([G.node("n1", kind)]) == nil) }
    }

    @Test func configMustBeAnObject() {
        for bad: JSON in [[], "x", 3, true] {
            #expect(G.error([G.node("n1", config: bad)]) == "config of node n1 must be an object", "\(bad.text)")
        }
        #expect(G.error([G.node("n1", config: [:]), G.node("n2")]) == nil)
    }

    static let validRetries: [JSON] = [
        [:],
        ["maxAttempts": 1, "backoffMs": 0, "maxBackoffMs": 0],
        ["maxAttempts": 10, "backoffMs": 600_000, "maxBackoffMs": 3_600_000],
        ["maxAttempts": 3.0],
    ]
    static let invalidRetries: [JSON] = [
        ["maxAttempts": 0], ["maxAttempts": 11], ["maxAttempts": -1], ["maxAttempts": 2.5], ["maxAttempts": "3"],
        ["maxAttempts": .null], ["backoffMs": -1], ["backoffMs": 600_001], ["backoffMs": true], ["maxBackoffMs": -1],
        ["maxBackoffMs": 3_600_001], ["maxBackoffMs": 1.5], 3, "3", [],
    ]

    @Test func retryBounds() {
        for retry in Self.validRetries {
            #expect(G.error([G.node("n1", data: [("retry", retry)])]) == nil, "\(retry.text)")
        }
        for retry in Self.invalidRetries {
            #expect(G.error([G.node("n1", data: [("retry", retry)])]) == "Invalid retry settings for node n1", "\(retry.text)")
        }
    }

    static let validTimeouts: [JSON] = [1, 3_600_000, 60_000.0]
    static let invalidTimeouts: [JSON] = [0, -1, 3_600_001, 1.5, "100", .null, [:]]

    @Test func timeoutBounds() {
        for t in Self.validTimeouts {
            #expect(G.error([G.node("n1", data: [("timeoutMs", t)])]) == nil, "\(t.text)")
        }
        for t in Self.invalidTimeouts {
            #expect(G.error([G.node("n1", data: [("timeoutMs", t)])]) == "Invalid timeoutMs for node n1", "\(t.text)")
        }
    }

    @Test func scheduleTrigger() {
        // Valid, empty (inactive) and absent crons save; time zones are checked exactly.
        for cron: JSON? in ["0 9 * * *", "@daily", "", "   ", nil, .null] {
            #expect(G.error([G.schedule(cron)]) == nil, "\(cron?.text ?? "absent")")
        }
        for tz in ["UTC", "Europe/Berlin", "America/New_York"] {
            #expect(G.error([G.schedule("*/5 * * * *", .string(tz))]) == nil)
        }
        #expect(G.error([G.schedule("61 * * * *")]) == "Invalid cron expression: minute value 61 out of range (0-59)")
        #expect(G.error([G.schedule("* * * *")]) == "Invalid cron expression: expected 5 fields, got 4")
        #expect(G.error([G.schedule("@reboot")]) == "Invalid cron expression: unknown macro @reboot")
        #expect(G.error([G.schedule(5)])?.hasPrefix("Invalid cron expression: ") == true)
        for tz in ["utc", "GMT+5", "Mars/Base", "../etc/passwd", ""] {
            #expect(G.error([G.schedule("0 9 * * *", .string(tz))]) == "Invalid timezone: \(tz)")
        }
        // An empty cron does not excuse a bad time zone; the cron is checked before the time zone.
        #expect(G.error([G.schedule("", "utc")]) == "Invalid timezone: utc")
        #expect(G.error([G.schedule("bad", "utc")])?.hasPrefix("Invalid cron expression: ") == true)
        // Only Schedule triggers are checked: the same config on a Manual trigger or an action is not a schedule.
        let junk: JSON = ["scheduleCron": "nonsense", "scheduleTimezone": "Mars/Base"]
        var manual = junk
        manual.set("triggerType", "Manual")
        var action = junk
        action.set("triggerType", "Schedule")
        #expect(G.error([G.trigger("t", manual), G.node("a", config: action)]) == nil)
    }

    @Test func edgeIDs() {
        let message = "Each edge must have a non-empty string id"
        let nodes = G.nodes(G.trigger("t"), G.node("a"))
        for bad: JSON in [1, "e1", .null, [], ["source": "t", "target": "a"], ["id": "", "source": "t", "target": "a"],
                          ["id": 5, "source": "t", "target": "a"],
                          ["id": .string(String(repeating: "e", count: 129)), "source": "t", "target": "a"]] {
            #expect(G.error(nodes, [G.edge("ok", "t", "a"), bad]) == message, "\(bad.text)")
        }
        #expect(G.error(nodes, [G.edge("e1", "t", "a"), G.edge("e1", "t", "a")]) == "Duplicate edge id: e1")
        // An edge id may equal a node id.
        #expect(G.error(nodes, [G.edge("a", "t", "a")]) == nil)
    }

    @Test func edgeEndpoints() {
        let nodes = G.nodes(G.trigger("t"), G.node("a"))
        #expect(G.error(nodes, [G.edge("e1", "t", "zz")]) == "Edge e1 references unknown node zz")
        #expect(G.error(nodes, [G.edge("e1", "zz", "a")]) == "Edge e1 references unknown node zz")
        #expect(G.error(nodes, [G.edge("e1", "yy", "zz")]) == "Edge e1 references unknown node yy")
        #expect(G.error(nodes, [G.edge("e1", "t", "A")]) == "Edge e1 references unknown node A")
        #expect(G.error(nodes, [["id": "e1", "source": "t"]])?.hasPrefix("Edge e1 references unknown node") == true)
        #expect(G.error(nodes, [["id": "e1", "source": 1, "target": "a"]])?.hasPrefix("Edge e1 references unknown node") == true)
    }

    @Test func noEdgeIntoATrigger() {
        let nodes = G.nodes(G.trigger("t"), G.node("a"), G.trigger("t2"))
        #expect(G.error(nodes, [G.edge("e1", "t", "a"), G.edge("e2", "a", "t2")]) == "Trigger node t2 cannot have incoming edges")
        #expect(G.error(nodes, [G.edge("e1", "t", "t2")]) == "Trigger node t2 cannot have incoming edges")
        // Edges out of a trigger and into an `add` placeholder are fine.
        #expect(G.error(G.nodes(G.trigger("t"), G.node("p", "add")), [G.edge("e1", "t", "p")]) == nil)
    }

    @Test func cycles() {
        let cycle = "Workflow graph contains a cycle"
        let nodes = G.nodes(G.trigger("t"), G.node("a"), G.node("b"), G.node("c"))
        #expect(G.error(nodes, [G.edge("e1", "a", "a")]) == cycle)
        #expect(G.error(nodes, [G.edge("e1", "a", "b"), G.edge("e2", "b", "a")]) == cycle)
        #expect(G.error(nodes, [G.edge("e0", "t", "a"), G.edge("e1", "a", "b"), G.edge("e2", "b", "c"), G.edge("e3", "c", "a")]) == cycle)
        // A diamond and parallel edges are not cycles.
        #expect(G.error(nodes, [G.edge("e0", "t", "a"), G.edge("e1", "t", "b"), G.edge("e2", "a", "c"), G.edge("e3", "b", "c"),
                                G.edge("e4", "a", "c")]) == nil)
    }
}

/// Two rules failing at once: the earlier rule of §2.2 wins, whatever the order of the nodes and edges.
@Suite struct WorkflowValidationOrderTests {
    @Test func duplicateIDBeatsCycle() {
        let nodes = G.nodes(G.node("a"), G.node("b"), G.node("a"))
        #expect(G.error(nodes, [G.edge("e1", "a", "b"), G.edge("e2", "b", "a")]) == "Duplicate node id: a")
    }

    @Test func nodeTypeBeatsBadEdge() {
        let nodes = G.nodes(G.trigger("t"), G.node("x", "bogus"))
        #expect(G.error(nodes, [G.edge("e1", "t", "missing")]) == "Invalid node type for node x: must be trigger, action or add")
        #expect(G.error(nodes, [1]) == "Invalid node type for node x: must be trigger, action or add")
    }

    @Test func ruleOrderNotNodeOrder() {
        // The first node breaks a later rule, the second an earlier one: the earlier rule is reported.
        #expect(G.error(G.nodes(G.node("a", config: []), G.node("b", "bogus")))
                == "Invalid node type for node b: must be trigger, action or add")
        #expect(G.error(G.nodes(G.node("a", data: [("retry", ["maxAttempts": 0])]), G.node("b", config: 1)))
                == "config of node b must be an object")
        #expect(G.error(G.nodes(G.node("a", "bogus"), G.node("a"))) == "Duplicate node id: a")
        #expect(G.error(G.nodes(G.node("a"), G.node("a"), ["id": ""])) == "Each node must have a non-empty string id")
    }

    @Test func adjacentRules() {
        let tooMany = JSON.array(Array(repeating: G.node("same"), count: 2001))
        #expect(G.error(tooMany) == "Too many nodes (max 2000)")
        #expect(G.error(G.nodes(G.node("a", data: [("retry", 5)]), G.schedule("bad"))) == "Invalid retry settings for node a")
        #expect(G.error(G.nodes(G.node("a", data: [("timeoutMs", 0)]), G.schedule("bad"))) == "Invalid timeoutMs for node a")
        #expect(G.error(G.nodes(G.schedule("bad", id: "t"), G.node("a")), [G.edge("e1", "t", "a"), G.edge("e1", "t", "a")])?
                .hasPrefix("Invalid cron expression") == true)
        let nodes = G.nodes(G.trigger("t"), G.node("a"), G.node("b"))
        #expect(G.error(nodes, [G.edge("e1", "t", "zz"), G.edge("e1", "t", "a")]) == "Duplicate edge id: e1")
        #expect(G.error(nodes, [G.edge("e1", "a", "t"), G.edge("e2", "a", "zz")]) == "Edge e2 references unknown node zz")
        // An edge into a trigger that also closes a cycle reports the trigger rule.
        #expect(G.error(nodes, [G.edge("e1", "t", "a"), G.edge("e2", "a", "t")]) == "Trigger node t cannot have incoming edges")
        #expect(G.error(nodes, [G.edge("e1", "a", "b"), G.edge("e2", "b", "a"), G.edge("e3", "b", "t")])
                == "Trigger node t cannot have incoming edges")
    }
}

@Suite struct WorkflowNormalisationTests {
    @Test func unknownKeysRoundTrip() throws {
        let text = """
            [{"id":"t","type":"trigger","position":{"x":12.5,"y":-3},"width":240,"height":80,"selected":true,\
            "measured":{"width":240,"height":80},"dragging":false,\
            "data":{"type":"trigger","label":"Start","config":{"triggerType":"Manual","custom":{"deep":[1,{"k":null}]}},\
            "uiState":{"collapsed":true},"status":"running"}},\
            {"id":"a","data":{"type":"action","config":{"actionType":"HTTP Request"}},"zIndex":3,"extra":[{"x":"y"}]}]
            """
        let edgesText = """
            [{"id":"e1","source":"t","target":"a","sourceHandle":null,"targetHandle":"in","type":"smoothstep",\
            "animated":true,"style":{"stroke":"#f00"},"markerEnd":{"type":"arrowclosed"}}]
            """
        let (nodes, edges) = try WorkflowGraph.validate(nodes: JSON.parse(text), edges: JSON.parse(edgesText))
        let normalized = WorkflowGraph.normalize(nodes)
        let stored = try JSON.parse(JSON.array(normalized).text)
        let storedEdges = try JSON.parse(JSON.array(edges).text)

        // The first node had every field: it comes back byte for byte.
        #expect(stored[0]?.text == (try JSON.parse(text))[0]?.text)
        #expect(storedEdges.text == (try JSON.parse(edgesText)).text)
        // The second gains `type` (from data.type) and a default position, after its own keys, and keeps the rest.
        #expect(Shape.keys(stored[1]) == ["id", "data", "zIndex", "extra", "type", "position"])
        #expect(stored[1]?["type"] == "action")
        #expect(stored[1]?["position"] == ["x": 0, "y": 0])
        #expect(stored[1]?["extra"] == [["x": "y"]])
        #expect(stored[1]?["zIndex"] == 3)
    }

    @Test func normalizeKeepsGivenTypeAndPosition() {
        let n = WorkflowGraph.normalize([["id": "a", "type": "custom", "position": ["x": 5, "y": 6], "data": ["type": "action"]]])
        #expect(n[0].text == #"{"id":"a","type":"custom","position":{"x":5,"y":6},"data":{"type":"action"}}"#)
    }

    @Test func defaultTriggerShape() {
        #expect(WorkflowGraph.defaultTrigger(id: "abc").text == """
            {"id":"abc","type":"trigger","position":{"x":0,"y":0},"data":{"label":"","description":"","type":"trigger",\
            "config":{"triggerType":"Manual"},"status":"idle"}}
            """)
    }
}

@Suite struct WorkflowGraphScaleTests {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// t → n1 → n2 → … → n1999.
    static func chain(closed: Bool = false) -> (JSON, JSON) {
        var nodes = [G.trigger("n0")]
        var edges: [JSON] = []
        for i in 1..<2000 {
            nodes.append(G.node("n\(i)"))
            edges.append(G.edge("e\(i)", "n\(i - 1)", "n\(i)"))
        }
        if closed { edges.append(G.edge("back", "n1999", "n1")) }
        return (.array(nodes), .array(edges))
    }

    @Test func chainOf2000() throws {
        let (nodes, edges) = Self.chain()
        let t = Self.seconds { #expect(G.error(nodes, edges) == nil) }
        #expect(t < 1, "took \(t) s")
        let (n2, e2) = Self.chain(closed: true)
        let t2 = Self.seconds { #expect(G.error(n2, e2) == "Workflow graph contains a cycle") }
        #expect(t2 < 1, "took \(t2) s")
        // Normalising, serialising and re-parsing the chain works without deep recursion.
        let (valid, _) = try WorkflowGraph.validate(nodes: nodes, edges: edges)
        #expect(try JSON.parse(JSON.array(WorkflowGraph.normalize(valid)).text).array?.count == 2000)
    }

    @Test func latticeOf2000With5000Edges() throws {
        // 40 layers of 50 nodes; each node links to three nodes of the next layer until the 5,000-edge cap.
        let layers = 40, width = 50
        var nodes: [JSON] = []
        for l in 0..<layers {
            for i in 0..<width { nodes.append(l == 0 ? G.trigger("L\(l)N\(i)") : G.node("L\(l)N\(i)")) }
        }
        var edges: [JSON] = []
        outer: for l in 0..<(layers - 1) {
            for i in 0..<width {
                for k in 0..<3 {
                    if edges.count == 5000 { break outer }
                    edges.append(G.edge("E\(edges.count)", "L\(l)N\(i)", "L\(l + 1)N\((i + k * 7) % width)"))
                }
            }
        }
        #expect(nodes.count == 2000 && edges.count == 5000)
        let t = Self.seconds { #expect(G.error(.array(nodes), .array(edges)) == nil) }
        #expect(t < 1, "took \(t) s")
        // Replacing the last two edges with L1N0 → L39N0 → L1N0 closes a cycle; still 5,000 edges.
        var forced = edges
        forced[4998] = G.edge("fwd", "L1N0", "L39N0")
        forced[4999] = G.edge("back", "L39N0", "L1N0")
        let t2 = Self.seconds { #expect(G.error(.array(nodes), .array(forced)) == "Workflow graph contains a cycle") }
        #expect(t2 < 1, "took \(t2) s")
    }
}

/// Member names of an object, in order.
enum Shape {
    static func keys(_ json: JSON?) -> [String] { json?.object?.map(\.key) ?? [] }
}
