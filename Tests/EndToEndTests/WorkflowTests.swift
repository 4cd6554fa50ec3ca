// Workflows end to end against the spawned binary (SPEC §2, §3.3): create specifics, summaries, GET/PATCH/DELETE,
// validation order over HTTP, the visibility matrix, duplicate, delete cascade, integration references, body limits
// and bad input. Users are anonymous (no scrypt), one server per test.
import Dispatch
import JSON
import Store
import Testing

@Suite struct WorkflowTests {
    // MARK: - Create

    @Test func createSpecifics() throws {
        let server = try WorkflowServer()
        let a = try server.user()

        // Name only: a default Manual trigger is the one node, no edges, private, owned.
        let first = try WF.create(a.client, ["name": "Untitled Workflow"])
        #expect(Shape.keys(first) == WF.workflowKeys)
        #expect(Shape.isID(first["id"]?.string, prefix: "wf_"))
        #expect(first["name"] == "Untitled 1")
        #expect(first["description"] == .null)
        #expect(first["userId"] == .string(a.id))
        #expect(first["visibility"] == "private")
        #expect(first["isOwner"] == true)
        #expect(first["edges"] == [])
        #expect(Shape.isTimestamp(first["createdAt"]?.string) && first["createdAt"] == first["updatedAt"])
        let trigger = try #require(first["nodes"]?[0])
        #expect(first["nodes"]?.array?.count == 1)
        let triggerID = try #require(trigger["id"]?.string)
        #expect(WF.isServerID(triggerID))
        #expect(trigger.text == """
            {"id":"\(triggerID)","type":"trigger","position":{"x":0,"y":0},"data":{"label":"","description":"",\
            "type":"trigger","config":{"triggerType":"Manual"},"status":"idle"}}
            """)
        #expect(try WF.get(a.client, WF.id(first)) == first)

        // Untitled N = the caller's count + 1; other names are kept; visibility is ignored on create.
        #expect(try WF.create(a.client, ["name": "Untitled Workflow", "visibility": "public"])["name"] == "Untitled 2")
        let named = try WF.create(a.client, ["name": "Lead router", "description": "Routes leads", "visibility": "bogus",
                                             "unknownField": [1, 2]])
        #expect(named["name"] == "Lead router" && named["description"] == "Routes leads" && named["visibility"] == "private")
        #expect(try WF.create(a.client, ["name": "Untitled Workflow"])["name"] == "Untitled 4")
        // Only the exact name is numbered; counting is per user.
        #expect(try WF.create(a.client, ["name": "untitled workflow"])["name"] == "untitled workflow")
        let b = try server.user()
        #expect(try WF.create(b.client, ["name": "Untitled Workflow"])["name"] == "Untitled 1")

        // Action nodes without a trigger: the default trigger is prepended, the given nodes follow, normalised.
        let actions = try WF.create(a.client, ["name": "No trigger",
                                               "nodes": [WF.node("a1", keys: [("selected", true)]), WF.node("p", "add")]])
        let nodes = try #require(actions["nodes"]?.array)
        #expect(nodes.count == 3)
        #expect(nodes[0]["data"]?["config"] == ["triggerType": "Manual"] && WF.isServerID(nodes[0]["id"]?.string))
        #expect(nodes[1].text == #"{"id":"a1","data":{"type":"action"},"selected":true,"type":"action","position":{"x":0,"y":0}}"#)
        #expect(nodes[2]["id"] == "p" && nodes[2]["type"] == "add")

        // A graph with a trigger is stored as given (plus `type`/`position` where absent), unknown keys verbatim.
        let nodesIn: JSON = [
            ["id": "t", "type": "trigger", "position": ["x": 10, "y": 20.5], "width": 180, "measured": ["width": 180, "height": 40],
             "data": ["type": "trigger", "label": "Start", "config": ["triggerType": "Webhook", "x": ["deep": [1, ["k": .null]]]],
                      "status": "running", "custom": true]],
            WF.node("a", config: ["actionType": "HTTP Request", "endpoint": "https://example.com"]),
        ]
        let edgesIn: JSON = [["id": "e1", "source": "t", "target": "a", "sourceHandle": .null, "targetHandle": "in",
                              "type": "smoothstep", "animated": true, "data": ["any": "thing"]]]
        let full = try WF.create(a.client, ["name": "Full", "nodes": nodesIn, "edges": edgesIn])
        #expect(full["nodes"]?[0]?.text == nodesIn[0]?.text)
        #expect(full["nodes"]?[1]?["type"] == "action" && full["nodes"]?[1]?["position"] == ["x": 0, "y": 0])
        #expect(full["nodes"]?.array?.count == 2)
        #expect(full["edges"]?.text == edgesIn.text)
        #expect(try WF.get(a.client, WF.id(full)).text == full.text)

        // A trigger anywhere in the list (even disabled or Schedule) means no default is added.
        let scheduled = try WF.create(a.client, ["name": "Sched", "nodes": [
            WF.node("a"), WF.node("s", "trigger", config: ["triggerType": "Schedule", "scheduleCron": "*/5 * * * *",
                                                           "scheduleTimezone": "Europe/Berlin"]),
        ], "edges": [WF.edge("e", "s", "a")]])
        #expect(scheduled["nodes"]?.array?.map { $0["id"] } == ["a", "s"])
    }

    // MARK: - List

    @Test func listSummaries() throws {
        let server = try WorkflowServer()
        let a = try server.user()
        let b = try server.user()
        #expect(try a.client.get("/api/workflows").text == "[]")
        WF.expectError(try server.guest().get("/api/workflows"), 401, "Unauthorized")

        var made: [JSON] = []
        for name in ["one", "two", "three"] {
            made.append(try WF.create(a.client, ["name": .string(name), "description": name == "two" ? "second" : .null]))
            sleepSeconds(0.003)
        }
        _ = try WF.create(b.client, ["name": "B's"])
        let list = try WF.list(a.client)
        #expect(list.map { $0["name"] } == ["three", "two", "one"])
        for (item, w) in zip(list, made.reversed()) {
            #expect(Shape.keys(item) == WF.summaryKeys)
            for k in WF.summaryKeys { #expect(item[k] == w[k], "\(k)") }
        }
        #expect(list[1]["description"] == "second" && list[0]["description"] == .null)

        // A PATCH moves a workflow to the front.
        let patched = try a.client.patch("/api/workflows/\(WF.id(made[0]))", ["name": "one again"])
        #expect(patched.status == 200)
        let after = try WF.list(a.client)
        #expect(after.map { $0["name"] } == ["one again", "three", "two"])
        #expect(after[0]["updatedAt"] == patched.json?["updatedAt"])
        #expect(try WF.list(b.client).map { $0["name"] } == ["B's"])
    }

    // MARK: - GET, PATCH, DELETE

    @Test func getPatchDelete() throws {
        let server = try WorkflowServer()
        let a = try server.user()
        let c = a.client
        let w = try WF.create(c, ["name": "Flow", "nodes": [WF.trigger("t"), WF.node("a"), WF.node("b")],
                                  "edges": [WF.edge("e1", "t", "a"), WF.edge("e2", "a", "b")]])
        let id = try WF.id(w)
        let path = "/api/workflows/\(id)"

        // PATCH always bumps updatedAt, even with nothing to change, and keeps createdAt.
        var last = w
        for body: JSON in [[:], ["name": "Flow 2"], ["description": "about"], ["visibility": "public"], ["visibility": "private"],
                           ["description": .null], ["unknown": 1]] {
            let r = try c.patch(path, body)
            #expect(r.status == 200, "\(r.text)")
            let j = try #require(r.json)
            #expect(Shape.keys(j) == WF.workflowKeys)
            #expect((j["updatedAt"]?.string ?? "") > (last["updatedAt"]?.string ?? "~"), "\(body.text)")
            #expect(j["createdAt"] == w["createdAt"] && j["isOwner"] == true && j["userId"] == .string(a.id))
            #expect(try WF.get(c, id) == j)
            last = j
        }
        #expect(last["name"] == "Flow 2" && last["description"] == .null && last["visibility"] == "private")
        #expect(last["nodes"] == w["nodes"] && last["edges"] == w["edges"])

        // Only the fields sent change; the graph is validated as it would result.
        let dropB = try c.patch(path, ["nodes": [WF.trigger("t"), WF.node("a")]])
        WF.expectError(dropB, 400, "Edge e2 references unknown node b")
        WF.expectError(try c.patch(path, ["edges": [WF.edge("e1", "a", "b"), WF.edge("e2", "b", "a")]]), 400,
                       "Workflow graph contains a cycle")
        WF.expectError(try c.patch(path, ["edges": [WF.edge("e1", "a", "t")]]), 400, "Trigger node t cannot have incoming edges")
        #expect(try WF.get(c, id) == last, "failed PATCHes change nothing")

        let both = try c.patch(path, ["nodes": [WF.trigger("t"), WF.node("a")], "edges": [WF.edge("e9", "t", "a")]])
        #expect(both.status == 200, "\(both.text)")
        #expect(both.json?["nodes"]?.array?.count == 2 && both.json?["edges"]?.array?.map { $0["id"] } == ["e9"])
        #expect(both.json?["nodes"]?[1]?["position"] == ["x": 0, "y": 0])
        // PATCH never prepends a default trigger.
        let noTrigger = try c.patch(path, ["nodes": [], "edges": []])
        #expect(noTrigger.status == 200 && noTrigger.json?["nodes"] == [] && noTrigger.json?["edges"] == [])

        // Field rules on PATCH: present name must be non-blank and ≤ 200 scalars; description ≤ 2,000; visibility enum.
        let before = try WF.get(c, id)
        WF.expectError(try c.patch(path, ["name": ""]), 400, "Name is required")
        WF.expectError(try c.patch(path, ["name": " \t\u{3000}"]), 400, "Name is required")
        WF.expectError(try c.patch(path, ["name": .string(String(repeating: "n", count: 201))]), 400,
                       "Name must be at most 200 characters")
        WF.expectError(try c.patch(path, ["description": .string(String(repeating: "d", count: 2001))]), 400,
                       "Description must be at most 2000 characters")
        for v: JSON in ["Public", "shared", 1, true, [:]] {
            WF.expectError(try c.patch(path, ["visibility": v]), 400, "Invalid visibility value. Must be 'private' or 'public'")
        }
        #expect(try WF.get(c, id) == before)
        let long = try c.patch(path, ["name": .string(String(repeating: "é", count: 200)),
                                      "description": .string(String(repeating: "😀", count: 2000))])
        #expect(long.status == 200, "\(long.text)")

        // Unknown and malformed ids are the same 404.
        for bad in ["wf_000000000000000000000", "nope", "WF_" + id.dropFirst(3)] {
            WF.expectError(try c.get("/api/workflows/\(bad)"), 404, "Workflow not found")
            WF.expectError(try c.patch("/api/workflows/\(bad)", ["name": "x"]), 404, "Workflow not found")
            WF.expectError(try c.delete("/api/workflows/\(bad)"), 404, "Workflow not found")
            WF.expectError(try c.post("/api/workflows/\(bad)/duplicate"), 404, "Workflow not found")
        }

        let deleted = try c.delete(path)
        #expect(deleted.status == 200 && deleted.text == #"{"success":true}"#)
        #expect(deleted.header("Content-Type") == Expected.jsonType)
        WF.expectError(try c.get(path), 404, "Workflow not found")
        WF.expectError(try c.delete(path), 404, "Workflow not found")
        WF.expectError(try c.patch(path, ["name": "x"]), 404, "Workflow not found")
        #expect(try WF.list(c).isEmpty)
    }

    // MARK: - Validation over HTTP

    @Test func validationOrderOverHTTP() throws {
        let server = try WorkflowServer()
        let c = try server.user().client
        let cycle: JSON = [WF.edge("e1", "a", "b"), WF.edge("e2", "b", "a")]
        let ab: JSON = [WF.node("a"), WF.node("b")]

        // Graph rules come before the name: name missing AND a cycle → the cycle.
        WF.expectError(try c.post("/api/workflows/create", ["nodes": ab, "edges": cycle]), 400, "Workflow graph contains a cycle")
        WF.expectError(try c.post("/api/workflows/create", ["name": 5, "nodes": ab, "edges": cycle]), 400,
                       "Workflow graph contains a cycle")
        WF.expectError(try c.post("/api/workflows/create", ["nodes": [WF.node("a"), WF.node("b"), WF.node("a")], "edges": cycle]),
                       400, "Duplicate node id: a")
        WF.expectError(try c.post("/api/workflows/create", ["name": "x", "nodes": [WF.trigger("t"), WF.node("x", "bogus")],
                                                            "edges": [WF.edge("e1", "t", "missing")]]),
                       400, "Invalid node type for node x: must be trigger, action or add")
        // Name before description, description before the integration check.
        WF.expectError(try c.post("/api/workflows/create", ["description": .string(String(repeating: "d", count: 2001))]), 400,
                       "Name is required")
        WF.expectError(try c.post("/api/workflows/create", [:]), 400, "Name is required")
        WF.expectError(try c.post("/api/workflows/create", ["name": "   "]), 400, "Name is required")
        WF.expectError(try c.post("/api/workflows/create", ["name": .null]), 400, "Name is required")
        WF.expectError(try c.post("/api/workflows/create", ["name": .string(String(repeating: "n", count: 201))]), 400,
                       "Name must be at most 200 characters")
        WF.expectError(try c.post("/api/workflows/create", ["name": "ok", "description": .string(String(repeating: "d", count: 2001))]),
                       400, "Description must be at most 2000 characters")

        // One of each graph rule, end to end.
        let cases: [(JSON, JSON, String)] = [
            (.array((0..<2001).map { WF.node("n\($0)") }), [], "Too many nodes (max 2000)"),
            ([], .array(Array(repeating: JSON.int(0), count: 5001)), "Too many edges (max 5000)"),
            ([["data": ["type": "action"]]], [], "Each node must have a non-empty string id"),
            ([WF.node("a", config: [])], [], "config of node a must be an object"),
            ([WF.node("a", data: [("retry", ["maxAttempts": 11])])], [], "Invalid retry settings for node a"),
            ([WF.node("a", data: [("timeoutMs", 0)])], [], "Invalid timeoutMs for node a"),
            ([WF.node("s", "trigger", config: ["triggerType": "Schedule", "scheduleCron": "0 25 * * *"])], [],
             "Invalid cron expression: hour value 25 out of range (0-23)"),
            ([WF.node("s", "trigger", config: ["triggerType": "Schedule", "scheduleCron": "0 9 * * *", "scheduleTimezone": "GMT+5"])],
             [], "Invalid timezone: GMT+5"),
            ([WF.node("a")], [["source": "a", "target": "a"]], "Each edge must have a non-empty string id"),
            ([WF.node("a"), WF.node("b")], [WF.edge("e", "a", "b"), WF.edge("e", "a", "b")], "Duplicate edge id: e"),
            ([WF.node("a")], [WF.edge("e", "a", "ghost")], "Edge e references unknown node ghost"),
            ([WF.node("a"), WF.node("a")], [], "Duplicate node id: a"),
            ([WF.node("a")], [WF.edge("e", "a", "a")], "Workflow graph contains a cycle"),
        ]
        for (nodes, edges, message) in cases {
            WF.expectError(try c.post("/api/workflows/create", ["name": "x", "nodes": nodes, "edges": edges]), 400, message)
        }
        WF.expectError(try c.post("/api/workflows/create", ["name": "x", "nodes": [:]]), 400, "nodes must be an array")
        WF.expectError(try c.post("/api/workflows/create", ["name": "x", "edges": "[]"]), 400, "edges must be an array")
        #expect(try WF.list(c).isEmpty, "nothing was stored")

        // Boundary values save.
        let okRetry = try WF.create(c, ["name": "bounds", "nodes": [
            WF.node("a", data: [("retry", ["maxAttempts": 10, "backoffMs": 600_000, "maxBackoffMs": 3_600_000]),
                                ("timeoutMs", 3_600_000)]),
            WF.node("b", data: [("retry", ["maxAttempts": 1, "backoffMs": 0, "maxBackoffMs": 0]), ("timeoutMs", 1)]),
        ]])
        #expect(okRetry["nodes"]?.array?.count == 3)
        // A Schedule trigger with an empty cron saves (inactive); macros and names save.
        for cron in ["", "@hourly", "0 9 * JAN-MAR mon-fri", "*/15 0-6/2 1,15 * *"] {
            let r = try c.post("/api/workflows/create", ["name": "s", "nodes": [
                WF.node("s", "trigger", config: ["triggerType": "Schedule", "scheduleCron": .string(cron), "scheduleTimezone": "UTC"]),
            ]])
            #expect(r.status == 201, "\(cron): \(r.text)")
            // Stored and echoed exactly as given.
            #expect(r.json?["nodes"]?[0]?["data"]?["config"]?["scheduleCron"] == .string(cron))
        }
    }

    // MARK: - Visibility

    @Test func visibilityMatrix() throws {
        let server = try WorkflowServer()
        let owner = try server.user()
        let other = try server.user()
        let guest = server.guest()
        let ownInt = try owner.client.post("/api/integrations", ["type": "slack", "config": ["apiKey": "xoxb-123456789"]])
        #expect(ownInt.status == 201, "\(ownInt.text)")
        let intID = try #require(ownInt.json?["id"]?.string)

        let w = try WF.create(owner.client, ["name": "Shared", "description": "d", "nodes": [
            WF.trigger("t"),
            WF.node("s", config: ["actionType": "slack/send-message", "integrationId": .string(intID), "slackChannel": "#a",
                                  "slackMessage": "{{@t:Manual.x}}"], data: [("label", "Slack"), ("status", "success")],
                    keys: [("selected", true)]),
            WF.node("h", config: ["actionType": "HTTP Request", "endpoint": "https://example.com"]),
        ], "edges": [WF.edge("e1", "t", "s"), WF.edge("e2", "s", "h")]])
        let id = try WF.id(w)
        let path = "/api/workflows/\(id)"

        // Private: only the owner sees it; everyone else gets 404 (or 401 without a session).
        #expect(try WF.get(owner.client, id) == w)
        WF.expectError(try other.client.get(path), 404, "Workflow not found")
        WF.expectError(try guest.get(path), 404, "Workflow not found")
        WF.expectError(try other.client.patch(path, ["name": "mine"]), 404, "Workflow not found")
        WF.expectError(try other.client.delete(path), 404, "Workflow not found")
        WF.expectError(try other.client.post(path + "/duplicate"), 404, "Workflow not found")
        WF.expectError(try guest.patch(path, ["name": "mine"]), 401, "Unauthorized")
        WF.expectError(try guest.delete(path), 401, "Unauthorized")
        WF.expectError(try guest.post(path + "/duplicate"), 401, "Unauthorized")
        WF.expectError(try guest.post("/api/workflows/create", ["name": "x"]), 401, "Unauthorized")
        WF.expectError(try guest.get("/api/workflows"), 401, "Unauthorized")

        // Public: anyone may read the sanitised form; only integrationId goes, isOwner false.
        let published = try #require(try owner.client.patch(path, ["visibility": "public"]).json)
        #expect(published["visibility"] == "public")
        let full = try WF.get(owner.client, id)
        #expect(full == published && full["isOwner"] == true)
        #expect(full["nodes"]?[1]?["data"]?["config"]?["integrationId"] == .string(intID))
        let otherView = try other.client.get(path)
        let guestView = try guest.get(path)
        for view in [otherView, guestView] {
            #expect(view.status == 200, "\(view.text)")
            let j = try #require(view.json)
            #expect(Shape.keys(j) == WF.workflowKeys)
            #expect(j["isOwner"] == false)
            #expect(!view.text.contains(intID))
            var expected = full
            expected.set("isOwner", false)
            var nodes = full["nodes"]?.array ?? []
            var data = nodes[1]["data"]!
            var config = data["config"]!
            config.remove("integrationId")
            data.set("config", config)
            nodes[1].set("data", data)
            expected.set("nodes", .array(nodes))
            #expect(j.text == expected.text)
        }
        // Still not the other user's to change, nor in their list.
        WF.expectError(try other.client.patch(path, ["name": "mine"]), 404, "Workflow not found")
        WF.expectError(try other.client.delete(path), 404, "Workflow not found")
        WF.expectError(try guest.patch(path, ["name": "mine"]), 401, "Unauthorized")
        WF.expectError(try guest.delete(path), 401, "Unauthorized")
        #expect(try WF.list(other.client).isEmpty)
        #expect(try WF.get(owner.client, id) == full, "non-owner attempts change nothing")

        // Anyone signed in may duplicate a public workflow: the copy is theirs and private, without the integration.
        let copyResponse = try other.client.post(path + "/duplicate")
        #expect(copyResponse.status == 201, "\(copyResponse.text)")
        let copy = try #require(copyResponse.json)
        #expect(copy["userId"] == .string(other.id) && copy["isOwner"] == true && copy["visibility"] == "private")
        #expect(copy["name"] == "Shared (Copy)" && copy["description"] == "d")
        #expect(!copyResponse.text.contains(intID))
        #expect(try WF.list(other.client).map { $0["id"] } == [copy["id"]])
        #expect(try WF.list(owner.client).map { $0["id"] } == [.string(id)])
        WF.expectError(try owner.client.get("/api/workflows/\(WF.id(copy))"), 404, "Workflow not found")

        // Back to private: hidden again.
        #expect(try owner.client.patch(path, ["visibility": "private"]).status == 200)
        WF.expectError(try other.client.get(path), 404, "Workflow not found")
        WF.expectError(try guest.get(path), 404, "Workflow not found")
        WF.expectError(try other.client.post(path + "/duplicate"), 404, "Workflow not found")
        // The owner reading with a stale or bogus cookie is a guest.
        WF.expectError(try APIClient(port: server.port, session: "bogus").get(path), 404, "Workflow not found")
        // DELETE by the owner works.
        #expect(try owner.client.delete(path).status == 200)
    }

    // MARK: - Duplicate

    @Test func duplicate() throws {
        let server = try WorkflowServer()
        let a = try server.user()
        let c = a.client
        let int = try c.post("/api/integrations", ["type": "slack", "config": ["apiKey": "xoxb-123456789"]])
        let intID = try #require(int.json?["id"]?.string)
        let source = try WF.create(c, ["name": "Lead router", "description": "routes", "nodes": [
            WF.node("trig", "trigger", config: ["triggerType": "Webhook", "webhookMockRequest": "{\"email\":\"a@b.c\"}"],
                    data: [("status", "success")], keys: [("position", ["x": 5, "y": 6]), ("selected", true)]),
            WF.node("slack", config: ["actionType": "slack/send-message", "integrationId": .string(intID), "slackChannel": "#leads",
                                      "slackMessage": "New {{@trig:Webhook.email}} ({{@other:X.y}})",
                                      "nested": ["list": [["t": "{{@trig:Webhook.name}}|{{@slack:Slack.ts}}"], 1, .null]]],
                    data: [("status", "error"), ("label", "{{@trig:Webhook.email}}")]),
            WF.node("cond", config: ["actionType": "Condition", "condition": "{{@slack:Slack.ok}} === true"]),
        ], "edges": [
            ["id": "e1", "source": "trig", "target": "slack", "animated": true],
            ["id": "e2", "source": "slack", "target": "cond", "sourceHandle": "out"],
        ]])
        let sourceID = try WF.id(source)
        let path = "/api/workflows/\(sourceID)/duplicate"
        _ = try c.patch("/api/workflows/\(sourceID)", ["visibility": "public"])
        let sourceNow = try WF.get(c, sourceID)

        let r = try c.post(path)   // body optional
        #expect(r.status == 201, "\(r.text)")
        #expect(r.header("Content-Type") == Expected.jsonType)
        let copy = try #require(r.json)
        #expect(Shape.keys(copy) == WF.workflowKeys)
        #expect(Shape.isID(copy["id"]?.string, prefix: "wf_") && copy["id"] != source["id"])
        #expect(copy["name"] == "Lead router (Copy)" && copy["description"] == "routes")
        #expect(copy["visibility"] == "private" && copy["isOwner"] == true && copy["userId"] == .string(a.id))
        #expect(Shape.isTimestamp(copy["createdAt"]?.string) && copy["createdAt"] == copy["updatedAt"])
        #expect(try WF.get(c, WF.id(copy)) == copy)

        let nodes = try #require(copy["nodes"]?.array)
        #expect(nodes.count == 3)
        let newIDs = nodes.map { $0["id"]?.string }
        #expect(newIDs.allSatisfy(WF.isServerID) && Set(newIDs).count == 3, "\(newIDs)")
        let (t, s, k) = (newIDs[0]!, newIDs[1]!, newIDs[2]!)
        for n in nodes { #expect(n["data"]?["status"] == "idle") }
        #expect(!r.text.contains(intID) && nodes[1]["data"]?["config"]?["integrationId"] == nil)
        #expect(nodes[0]["position"] == ["x": 5, "y": 6] && nodes[0]["selected"] == true)
        let config = nodes[1]["data"]?["config"]
        #expect(config?["slackMessage"] == .string("New {{@\(t):Webhook.email}} ({{@other:X.y}})"))
        #expect(config?["nested"]?["list"]?[0]?["t"] == .string("{{@\(t):Webhook.name}}|{{@\(s):Slack.ts}}"))
        #expect(config?["nested"]?["list"]?[1] == 1 && config?["slackChannel"] == "#leads")
        #expect(nodes[2]["data"]?["config"]?["condition"] == .string("{{@\(s):Slack.ok}} === true"))
        #expect(nodes[0]["data"]?["config"]?["webhookMockRequest"] == "{\"email\":\"a@b.c\"}")

        let edges = try #require(copy["edges"]?.array)
        #expect(edges.count == 2)
        #expect(edges.allSatisfy { WF.isServerID($0["id"]?.string) } && !edges.contains { $0["id"] == "e1" || $0["id"] == "e2" })
        #expect(edges[0]["source"] == .string(t) && edges[0]["target"] == .string(s) && edges[0]["animated"] == true)
        #expect(edges[1]["source"] == .string(s) && edges[1]["target"] == .string(k) && edges[1]["sourceHandle"] == "out")

        // The source is untouched.
        #expect(try WF.get(c, sourceID) == sourceNow)

        // Naming: (Copy), (Copy) 2, (Copy) 3; a copy of a copy; a body of {} is fine.
        #expect(try c.post(path).json?["name"] == "Lead router (Copy) 2")
        #expect(try c.send("POST", path, body: "{}").json?["name"] == "Lead router (Copy) 3")
        #expect(try c.post("/api/workflows/\(WF.id(copy))/duplicate").json?["name"] == "Lead router (Copy) (Copy)")
        // Renaming a copy frees its name.
        _ = try c.patch("/api/workflows/\(WF.id(copy))", ["name": "renamed"])
        #expect(try c.post(path).json?["name"] == "Lead router (Copy)")
        #expect(try c.post(path).json?["name"] == "Lead router (Copy) 4")

        // Another user's numbering is their own.
        let b = try server.user()
        #expect(try b.client.post(path).json?["name"] == "Lead router (Copy)")
        #expect(try b.client.post(path).json?["name"] == "Lead router (Copy) 2")

        // Non-ASCII names, and names at the 200 limit (copy names are exempt from it).
        let cafe = try WF.create(c, ["name": "Café ☕ 😀"])
        let cafePath = "/api/workflows/\(try WF.id(cafe))/duplicate"
        #expect(try c.post(cafePath).json?["name"] == "Café ☕ 😀 (Copy)")
        #expect(try c.post(cafePath).json?["name"] == "Café ☕ 😀 (Copy) 2")
        #expect(try c.post(cafePath).json?["name"] == "Café ☕ 😀 (Copy) 3")
        let longName = String(repeating: "ü", count: 200)
        let long = try WF.create(c, ["name": .string(longName)])
        let longCopy = try c.post("/api/workflows/\(try WF.id(long))/duplicate")
        #expect(longCopy.status == 201 && longCopy.json?["name"] == .string(longName + " (Copy)"))
        #expect(try c.post("/api/workflows/\(try WF.id(long))/duplicate").json?["name"] == .string(longName + " (Copy) 2"))
        // "Untitled N" counts copies too.
        let count = try WF.list(c).count
        #expect(try WF.create(c, ["name": "Untitled Workflow"])["name"] == .string("Untitled \(count + 1)"))

        // A body, when sent, must be JSON.
        WF.expectError(try c.send("POST", path, body: "x", contentType: "text/plain"), 415, "Content-Type must be application/json")
        WF.expectError(try c.send("POST", path, body: "{bad"), 400, "Invalid JSON body")
        WF.expectError(try c.send("POST", path, body: "[]"), 400, "Request body must be a JSON object")
    }

    // MARK: - Delete cascade

    @Test func deleteCascades() throws {
        let server = try WorkflowServer()
        let a = try server.user()
        let doomed = try WF.id(try WF.create(a.client, ["name": "doomed"]))
        let kept = try WF.id(try WF.create(a.client, ["name": "kept"]))

        let db = try Database.open(path: server.dbPath)
        func seed(_ wf: String) throws {
            for e in 0..<2 {
                let exec = "exec_\(wf.suffix(10))\(e)"
                try db.run("""
                    INSERT INTO executions (id, workflow_id, user_id, status, trigger_kind, input, nodes, edges, started_at)
                    VALUES (?, ?, ?, 'success', 'manual', '{}', '[]', '[]', 1)
                    """, [.text(exec), .text(wf), .text(a.id)])
                for seq in 0..<3 {
                    try db.run("""
                        INSERT INTO execution_logs (id, execution_id, seq, node_id, node_name, node_type, status, started_at)
                        VALUES (?, ?, ?, 'n', 'N', 'action', 'success', 1)
                        """, [.text("log_\(exec)_\(seq)"), .text(exec), .int(Int64(seq))])
                }
                try db.run("INSERT INTO schedule_ledger (workflow_id, slot, execution_id, created_at) VALUES (?, ?, ?, 1)",
                           [.text(wf), .int(Int64(60_000 * e)), .text(exec)])
                try db.run("INSERT INTO webhook_idempotency (workflow_id, key, execution_id, created_at) VALUES (?, ?, ?, 1)",
                           [.text(wf), .text("key-\(e)"), .text(exec)])
            }
        }
        try seed(doomed)
        try seed(kept)
        func counts(_ wf: String) throws -> [Int64?] {
            [
                try DBFiles.int(db, "SELECT COUNT(*) FROM workflows WHERE id = ?", [.text(wf)]),
                try DBFiles.int(db, "SELECT COUNT(*) FROM executions WHERE workflow_id = ?", [.text(wf)]),
                try DBFiles.int(db, """
                    SELECT COUNT(*) FROM execution_logs WHERE execution_id IN
                    (SELECT id FROM executions WHERE workflow_id = ?) OR execution_id LIKE ?
                    """, [.text(wf), .text("exec_\(wf.suffix(10))%")]),
                try DBFiles.int(db, "SELECT COUNT(*) FROM schedule_ledger WHERE workflow_id = ?", [.text(wf)]),
                try DBFiles.int(db, "SELECT COUNT(*) FROM webhook_idempotency WHERE workflow_id = ?", [.text(wf)]),
            ]
        }
        #expect(try counts(doomed) == [1, 2, 6, 2, 2])

        // Another user cannot delete it, and nothing goes.
        let b = try server.user()
        WF.expectError(try b.client.delete("/api/workflows/\(doomed)"), 404, "Workflow not found")
        #expect(try counts(doomed) == [1, 2, 6, 2, 2])

        let r = try a.client.delete("/api/workflows/\(doomed)")
        #expect(r.status == 200 && r.text == #"{"success":true}"#)
        #expect(try counts(doomed) == [0, 0, 0, 0, 0])
        #expect(try counts(kept) == [1, 2, 6, 2, 2])
        #expect(try WF.list(a.client).map { $0["name"] } == ["kept"])
    }

    // MARK: - Integration references

    @Test func foreignIntegrationReferences() throws {
        let server = try WorkflowServer()
        let a = try server.user()
        let b = try server.user()
        let bInt = try b.client.post("/api/integrations", ["type": "slack", "config": ["apiKey": "xoxb-123456789"]])
        #expect(bInt.status == 201, "\(bInt.text)")
        let foreign = try #require(bInt.json?["id"]?.string)
        let aInt = try a.client.post("/api/integrations", ["type": "slack", "config": ["apiKey": "xoxb-987654321"]])
        let own = try #require(aInt.json?["id"]?.string)

        func graph(_ integrationID: String) -> JSON {
            [WF.trigger("t"), WF.node("s", config: ["actionType": "slack/send-message", "integrationId": .string(integrationID)])]
        }
        let message = "Invalid integration references in workflow"
        WF.expectError(try a.client.post("/api/workflows/create", ["name": "x", "nodes": graph(foreign)]), 403, message)
        // Any 400 wins over the 403 (it is the last rule).
        WF.expectError(try a.client.post("/api/workflows/create", ["nodes": graph(foreign)]), 400, "Name is required")
        WF.expectError(try a.client.post("/api/workflows/create", ["name": "x", "nodes": graph(foreign),
                                                                   "edges": [WF.edge("e", "s", "s")]]),
                       400, "Workflow graph contains a cycle")
        #expect(try WF.list(a.client).isEmpty)

        // Unknown ids and the caller's own integrations are allowed; so is the owner themself.
        let unknown = try WF.create(a.client, ["name": "unknown", "nodes": graph("int_000000000000000000000")])
        #expect(unknown["nodes"]?[1]?["data"]?["config"]?["integrationId"] == "int_000000000000000000000")
        _ = try WF.create(a.client, ["name": "own", "nodes": graph(own)])
        _ = try WF.create(b.client, ["name": "b's own", "nodes": graph(foreign)])

        // PATCH: the resulting graph is checked, and nothing changes on a 403.
        let path = "/api/workflows/\(try WF.id(unknown))"
        let before = try WF.get(a.client, try WF.id(unknown))
        WF.expectError(try a.client.patch(path, ["nodes": graph(foreign)]), 403, message)
        WF.expectError(try a.client.patch(path, ["nodes": [WF.node("x", config: ["integrationId": .string(foreign)])],
                                                 "edges": []]), 403, message)
        #expect(try WF.get(a.client, try WF.id(unknown)) == before)
        #expect(try a.client.patch(path, ["nodes": graph(own), "name": "renamed"]).status == 200)

        // The check runs on the resulting graph: a stored foreign reference (planted in the database) blocks even a
        // name-only PATCH.
        let db = try Database.open(path: server.dbPath)
        let planted = JSON.array(graph(foreign).array!.map { n in
            var n = n
            n.set("type", n["data"]!["type"]!)
            n.set("position", ["x": 0, "y": 0])
            return n
        })
        try db.run("UPDATE workflows SET nodes = ? WHERE id = ?", [.text(planted.text), .text(try WF.id(unknown))])
        let plantedState = try WF.get(a.client, try WF.id(unknown))
        WF.expectError(try a.client.patch(path, ["name": "again"]), 403, message)
        #expect(try WF.get(a.client, try WF.id(unknown)) == plantedState)
    }

    // MARK: - Body limits

    @Test func bodyLimits() throws {
        let server = try WorkflowServer()
        let a = try server.user()
        let c = a.client
        // ~2 MiB of nodes saves on create and on PATCH (8 MiB limit on those two routes).
        let filler = String(repeating: "x", count: 10_000)
        let bigNodes = JSON.array([WF.trigger("t")] + (0..<210).map { WF.node("n\($0)", config: ["httpBody": .string(filler)]) })
        let big = try WF.create(c, ["name": "big", "nodes": bigNodes])
        let id = try WF.id(big)
        #expect(big["nodes"]?.array?.count == 211)
        #expect(big.text.utf8.count > 2_000_000)
        let patched = try c.patch("/api/workflows/\(id)", ["nodes": bigNodes, "name": "big 2"])
        #expect(patched.status == 200, "\(patched.text.prefix(200))")
        #expect(try WF.get(c, id)["nodes"]?.array?.count == 211)
        // The copy of a big workflow is fine too (the duplicate request itself is small).
        #expect(try c.post("/api/workflows/\(id)/duplicate").status == 201)

        let session = try #require(c.session)
        /// Sends exactly `size` bytes of valid JSON that is not an object (spaces, then `[]`): at or under the route's
        /// limit the handler answers 400, over it the HTTP layer answers 413 before reading the body.
        func padded(_ method: String, _ path: String, size: Int) throws -> HTTPResponse {
            let raw = try RawClient(port: server.port, timeout: 30)
            defer { raw.close() }
            try raw.send(Req.make(method, path, headers: ["Content-Type: application/json", "Cookie: orchestrator_session=\(session)"],
                                  body: String(repeating: " ", count: size - 2) + "[]"))
            return try raw.readResponse()
        }
        let notObject = Expected.errorBody("Request body must be a JSON object")
        let tooLarge = Expected.errorBody("Request body too large")
        let mib = 1024 * 1024
        for (method, path) in [("POST", "/api/workflows/create"), ("PATCH", "/api/workflows/\(id)")] {
            let atLimit = try padded(method, path, size: 8 * mib)
            #expect(atLimit.status == 400 && atLimit.text == notObject, "\(path): \(atLimit.text)")
            let over = try WF.announce(server.port, method, path, contentLength: 8 * mib + 1, session: session)
            #expect(over.status == 413 && over.text == tooLarge, "\(path)")
        }
        // Everywhere else the 1 MiB standard limit applies.
        for (method, path) in [("POST", "/api/workflows/\(id)/duplicate"), ("POST", "/api/integrations")] {
            let atLimit = try padded(method, path, size: mib)
            #expect(atLimit.status == 400 && atLimit.text == notObject, "\(path): \(atLimit.text)")
            let over = try WF.announce(server.port, method, path, contentLength: mib + 1, session: session)
            #expect(over.status == 413 && over.text == tooLarge, "\(path)")
        }
        #expect(try WF.list(c).count == 2)
    }

    // MARK: - Concurrency and scale

    /// `n` requests at once, each on its own connection with the same session; the parsed bodies (or errors) in any order.
    static func concurrently(_ n: Int, port: Int, session: String?, _ method: String, _ path: String,
                             body: String? = nil) -> [APIResponse?] {
        let results = LockedBox<[Int: Int]>([:])
        let raws = LockedBox<[Int: String]>([:])
        DispatchQueue.concurrentPerform(iterations: n) { i in
            let c = APIClient(port: port, session: session)
            if let r = try? c.send(method, path, body: body) {
                results.withLock { $0[i] = r.status }
                raws.withLock { $0[i] = r.text }
            }
        }
        let statuses = results.value, texts = raws.value
        return (0..<n).map { i in
            guard let status = statuses[i], let text = texts[i] else { return nil }
            return APIResponse(raw: HTTPResponse(status: status, reason: "", headers: [], body: Array(text.utf8)))
        }
    }

    @Test func concurrentCreatesAndDuplicatesGetDistinctNames() throws {
        let server = try WorkflowServer()
        let a = try server.user()
        let creates = Self.concurrently(6, port: server.port, session: a.client.session, "POST", "/api/workflows/create",
                                        body: #"{"name":"Untitled Workflow"}"#)
        #expect(creates.allSatisfy { $0?.status == 201 }, "\(creates.map { $0?.text })")
        #expect(Set(creates.compactMap { $0?.json?["name"]?.string }) == Set((1...6).map { "Untitled \($0)" }))

        let source = try WF.id(try WF.create(a.client, ["name": "Base"]))
        let copies = Self.concurrently(6, port: server.port, session: a.client.session, "POST", "/api/workflows/\(source)/duplicate")
        #expect(copies.allSatisfy { $0?.status == 201 }, "\(copies.map { $0?.text })")
        #expect(Set(copies.compactMap { $0?.json?["name"]?.string })
                == Set(["Base (Copy)"] + (2...6).map { "Base (Copy) \($0)" }))
    }

    @Test func largeGraphsOverHTTP() throws {
        let server = try WorkflowServer()
        let c = try server.user().client
        // A 2,000-node chain.
        var nodes: [JSON] = [WF.trigger("n0")]
        var edges: [JSON] = []
        for i in 1..<2000 {
            nodes.append(WF.node("n\(i)"))
            edges.append(WF.edge("e\(i)", "n\(i - 1)", "n\(i)"))
        }
        let chain = try WF.create(c, ["name": "chain", "nodes": .array(nodes), "edges": .array(edges)])
        #expect(chain["nodes"]?.array?.count == 2000 && chain["edges"]?.array?.count == 1999)
        // Closing it into a cycle is refused on PATCH.
        WF.expectError(try c.patch("/api/workflows/\(try WF.id(chain))", ["edges": .array(edges + [WF.edge("back", "n1999", "n1")])]),
                       400, "Workflow graph contains a cycle")
        // A 2,000-node lattice with the full 5,000 edges: 40 layers of 50.
        nodes = []
        edges = []
        for l in 0..<40 { for i in 0..<50 { nodes.append(l == 0 ? WF.trigger("L\(l)N\(i)") : WF.node("L\(l)N\(i)")) } }
        outer: for l in 0..<39 {
            for i in 0..<50 {
                for k in 0..<3 {
                    if edges.count == 5000 { break outer }
                    edges.append(WF.edge("E\(edges.count)", "L\(l)N\(i)", "L\(l + 1)N\((i + k * 7) % 50)"))
                }
            }
        }
        let lattice = try WF.create(c, ["name": "lattice", "nodes": .array(nodes), "edges": .array(edges)])
        #expect(lattice["nodes"]?.array?.count == 2000 && lattice["edges"]?.array?.count == 5000)
        // Its duplicate keeps the shape with fresh ids.
        let copy = try c.post("/api/workflows/\(try WF.id(lattice))/duplicate")
        #expect(copy.status == 201)
        #expect(copy.json?["nodes"]?.array?.count == 2000 && copy.json?["edges"]?.array?.count == 5000)
        let copyIDs = Set(copy.json?["nodes"]?.array?.compactMap { $0["id"]?.string } ?? [])
        #expect(copyIDs.count == 2000 && !copyIDs.contains("L0N0"))
        let ends = Set(copy.json?["edges"]?.array?.flatMap { [$0["source"]?.string ?? "?", $0["target"]?.string ?? "?"] } ?? [])
        #expect(ends.isSubset(of: copyIDs))
    }

    // MARK: - Catalog

    @Test func actionsWithoutSession() throws {
        let server = try WorkflowServer()
        let r = try server.guest().get("/api/actions")
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == Expected.jsonType)
        let j = try #require(r.json)
        #expect(Shape.keys(j) == ["triggers", "actions"])
        #expect(j["actions"]?.array?.map { $0["id"]?.string ?? "" } == [
            "HTTP Request", "Condition", "Database Query", "ai-gateway/generate-text", "ai-gateway/generate-image",
            "slack/send-message", "resend/send-email", "linear/create-ticket", "linear/find-issues", "firecrawl/scrape",
            "firecrawl/search", "github/create-issue",
        ])
        #expect(j["actions"]?[0]?["integrationType"] == .null && j["actions"]?[1]?["integrationType"] == .null)
        #expect(j["triggers"]?.array?.map { $0["type"]?.string ?? "" } == ["Manual", "Webhook", "Schedule"])
        // A session changes nothing; a bogus cookie is not a 401 here.
        let user = try server.user()
        #expect(try user.client.get("/api/actions").text == r.text)
        #expect(try APIClient(port: server.port, session: "bogus").get("/api/actions").text == r.text)
    }

    // MARK: - Bad input

    @Test func badInput() throws {
        let server = try WorkflowServer()
        let a = try server.user()
        let c = a.client
        let w = try WF.create(c, ["name": "stable", "nodes": [WF.trigger("t")]])
        let path = "/api/workflows/\(try WF.id(w))"
        let create = "/api/workflows/create"

        for (method, p) in [("POST", create), ("PATCH", path)] {
            WF.expectError(try c.send(method, p, body: #"{"name":"x"}"#, contentType: nil), 415, "Content-Type must be application/json")
            WF.expectError(try c.send(method, p, body: #"{"name":"x"}"#, contentType: "text/plain"), 415,
                           "Content-Type must be application/json")
            WF.expectError(try c.send(method, p, body: #"{"name":"x"}"#, contentType: "application/jsonx"), 415,
                           "Content-Type must be application/json")
            for bad in ["{", "{bad}", #"{"name":"x",}"#, "nul", "\u{FEFF}{}", #"{"name":"x"} {}"#] {
                WF.expectError(try c.send(method, p, body: bad), 400, "Invalid JSON body")
            }
            WF.expectError(try c.send(method, p, body: ""), 400, "Invalid JSON body")
            for notObject in ["[]", #""x""#, "1", "null", "true", #"[{"name":"x"}]"#] {
                WF.expectError(try c.send(method, p, body: notObject), 400, "Request body must be a JSON object")
            }
            WF.expectError(try c.send(method, p, body: #"{"name":5}"#), 400, "name must be a string")
            WF.expectError(try c.send(method, p, body: #"{"name":["x"]}"#), 400, "name must be a string")
            WF.expectError(try c.send(method, p, body: #"{"name":"x","description":5}"#), 400, "description must be a string")
            WF.expectError(try c.send(method, p, body: #"{"name":"x","description":{}}"#), 400, "description must be a string")
            WF.expectError(try c.send(method, p, body: #"{"name":"x","nodes":{}}"#), 400, "nodes must be an array")
            WF.expectError(try c.send(method, p, body: #"{"name":"x","nodes":"[]"}"#), 400, "nodes must be an array")
            WF.expectError(try c.send(method, p, body: #"{"name":"x","edges":5}"#), 400, "edges must be an array")
        }
        // Parameters on the media type are fine.
        let ok = try c.send("PATCH", path, body: #"{"name":"stable"}"#, contentType: "Application/JSON ; charset=utf-8")
        #expect(ok.status == 200, "\(ok.text)")
        let settled = try WF.get(c, try WF.id(w))
        WF.expectError(try c.send("PATCH", path, body: #"{"visibility":"PUBLIC"}"#), 400,
                       "Invalid visibility value. Must be 'private' or 'public'")

        // Nothing stored changed.
        #expect(try WF.list(c).map { $0["id"] } == [w["id"]])
        #expect(try WF.get(c, try WF.id(w)) == settled)

        // Routing: the static `create` segment wins over `{workflowId}`.
        let wrong = try c.get(create)
        #expect(wrong.status == 405, "\(wrong.text)")
    }
}
