// Duplicate's graph transformation (SPEC §2.3: new ids, remapped edges, template rewrite, integrationId stripped,
// status idle) and the node catalog (SPEC §3.2, §3.3) as `GET /api/actions` renders it.
import JSON
import Testing
@testable import App

@Suite struct TemplateRewriteTests {
    static let map = ["a": "NEW_A", "n1": "NEW_N1", "node-1_x": "NEW_X", "ä": "NEW_UML"]

    @Test(arguments: [
        ("{{@a:Label.x}}", "{{@NEW_A:Label.x}}"),
        ("{{@a:Label}}", "{{@NEW_A:Label}}"),
        ("Hi {{@a:Webhook.name}} and {{@n1:Find Issues.count}}, again {{@a:L.y[0]}}!",
         "Hi {{@NEW_A:Webhook.name}} and {{@NEW_N1:Find Issues.count}}, again {{@NEW_A:L.y[0]}}!"),
        ("{{@node-1_x:HTTP Request.data.items}}", "{{@NEW_X:HTTP Request.data.items}}"),
        ("{{@ä:L}}", "{{@NEW_UML:L}}"),
        ("{{@a:L}}{{@a:L}}", "{{@NEW_A:L}}{{@NEW_A:L}}"),
        ("{{@a:{{@n1:L}}", "{{@NEW_A:{{@NEW_N1:L}}"),
        // Left alone: unknown ids, ids that merely start with a known one, no colon, no `@`, ids spanning `}`.
        ("{{@zz:L.x}}", "{{@zz:L.x}}"),
        ("{{@ab:L}} {{@n10:L}}", "{{@ab:L}} {{@n10:L}}"),
        ("{{@a}}", "{{@a}}"),
        ("{{@a", "{{@a"),
        ("{{a:L}} @a: {a:L}", "{{a:L}} @a: {a:L}"),
        ("{{@a}} then x:y", "{{@a}} then x:y"),
        ("{{@A:L}}", "{{@A:L}}"),
        ("", ""),
        ("plain text", "plain text"),
        ("{{@", "{{@"),
    ])
    func rewriteString(_ input: String, _ expected: String) {
        #expect(Workflows.rewriteTemplateString(input, Self.map) == expected)
    }
}

@Suite struct DuplicateGraphTests {
    static func isServerNodeID(_ s: String?) -> Bool {
        guard let s else { return false }
        return s.unicodeScalars.count == 21 && s.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }

    static let nodes: [JSON] = [
        ["id": "t", "type": "trigger", "position": ["x": 1, "y": 2], "selected": true,
         "data": ["type": "trigger", "label": "Webhook", "status": "success",
                  "config": ["triggerType": "Webhook", "webhookMockRequest": "{\"email\":\"a@b.c\"}"]]],
        ["id": "s1", "type": "action", "measured": ["width": 200],
         "data": ["type": "action", "label": "Send {{@t:Webhook.email}}", "status": "error",
                  "config": ["actionType": "slack/send-message", "integrationId": "int_abc", "slackChannel": "#x",
                             "slackMessage": "Lead {{@t:Webhook.email}} / {{@unknown:X.y}}",
                             "nested": ["deep": [["text": "{{@t:Webhook.name}} {{@s1:Slack.ts}}"], 5, true, .null],
                                        "obj": ["k": "{{@t:W.a}}"]]]]],
        ["id": "p", "data": ["type": "add"]],
    ]
    static let edges: [JSON] = [
        ["id": "e1", "source": "t", "target": "s1", "sourceHandle": .null, "animated": true],
        ["id": "e2", "source": "s1", "target": "p", "type": "smoothstep"],
    ]

    @Test func duplicate() throws {
        let (newNodes, newEdges) = Workflows.duplicateGraph(nodes: Self.nodes, edges: Self.edges)
        #expect(newNodes.count == 3 && newEdges.count == 2)
        let ids = newNodes.map { $0["id"]?.string }
        #expect(ids.allSatisfy(Self.isServerNodeID), "\(ids)")
        #expect(Set(ids).count == 3)
        let (t, s1, p) = (ids[0]!, ids[1]!, ids[2]!)

        // Every node idle, its integration stripped, everything else kept.
        for n in newNodes { #expect(n["data"]?["status"] == "idle") }
        #expect(newNodes[1]["data"]?["config"]?["integrationId"] == nil)
        #expect(newNodes[0]["selected"] == true && newNodes[0]["position"] == ["x": 1, "y": 2])
        #expect(newNodes[1]["measured"] == ["width": 200])
        #expect(newNodes[0]["data"]?["config"]?["webhookMockRequest"] == "{\"email\":\"a@b.c\"}")
        #expect(newNodes[2].text == #"{"id":"\#(p)","data":{"type":"add","status":"idle"}}"#)

        // Templates rewritten at every depth of the config; unknown ids left alone.
        let config = try #require(newNodes[1]["data"]?["config"])
        #expect(config["slackMessage"] == .string("Lead {{@\(t):Webhook.email}} / {{@unknown:X.y}}"))
        #expect(config["nested"]?["deep"]?[0]?["text"] == .string("{{@\(t):Webhook.name}} {{@\(s1):Slack.ts}}"))
        #expect(config["nested"]?["deep"]?[1] == 5 && config["nested"]?["deep"]?[3] == .null)
        #expect(config["nested"]?["obj"]?["k"] == .string("{{@\(t):W.a}}"))
        #expect(config["slackChannel"] == "#x" && config["actionType"] == "slack/send-message")
        #expect(Shape.keys(config) == ["actionType", "slackChannel", "slackMessage", "nested"])

        // Edges: new ids, remapped ends, other keys kept.
        let edgeIDs = newEdges.map { $0["id"]?.string }
        #expect(edgeIDs.allSatisfy(Self.isServerNodeID) && Set(edgeIDs).count == 2)
        #expect(newEdges[0]["source"] == .string(t) && newEdges[0]["target"] == .string(s1))
        #expect(newEdges[1]["source"] == .string(s1) && newEdges[1]["target"] == .string(p))
        #expect(newEdges[0]["animated"] == true && newEdges[0]["sourceHandle"] == .null)
        #expect(newEdges[1]["type"] == "smoothstep")

        // The copy is itself a valid graph, and a second copy gets different ids again.
        _ = try WorkflowGraph.validate(nodes: .array(newNodes), edges: .array(newEdges))
        let again = Workflows.duplicateGraph(nodes: Self.nodes, edges: Self.edges)
        let againIDs = Set(again.nodes.compactMap { $0["id"]?.string })
        #expect(againIDs.isDisjoint(with: ids.compactMap { $0 }))
    }

    @Test func nothingOutsideIDsChangesForPlainNodes() {
        let plain: [JSON] = [["id": "x", "data": ["type": "action", "status": "idle", "config": ["a": ["b": "{{@y:L}}"]]]]]
        let (n, e) = Workflows.duplicateGraph(nodes: plain, edges: [])
        #expect(e.isEmpty)
        var expected = plain[0]
        expected.set("id", n[0]["id"]!)
        #expect(n[0].text == expected.text)
    }
}

@Suite struct ActionCatalogTests {
    static let ids = ["HTTP Request", "Condition", "Database Query", "ai-gateway/generate-text", "ai-gateway/generate-image",
                      "slack/send-message", "resend/send-email", "linear/create-ticket", "linear/find-issues",
                      "firecrawl/scrape", "firecrawl/search", "github/create-issue"]
    static let labels = ["HTTP Request", "Condition", "Database Query", "Generate Text", "Generate Image", "Send Slack Message",
                         "Send Email", "Create Ticket", "Find Issues", "Scrape URL", "Search Web", "Create GitHub Issue"]
    static let legacy: [[String]] = [[], [], [], ["Generate Text"], ["Generate Image"], ["Send Slack Message"], ["Send Email"],
                                     ["Create Ticket"], ["Find Issues"], ["Scrape"], ["Search"], []]
    static let integrationTypes: [JSON] = [.null, .null, "database", "ai-gateway", "ai-gateway", "slack", "resend", "linear",
                                           "linear", "firecrawl", "firecrawl", "github"]
    /// Config fields of §3.2, in order; `*` = required.
    static let fields: [[String]] = [
        ["endpoint*", "httpMethod", "httpHeaders", "httpBody"],
        ["condition*"],
        ["dbQuery*", "dbSchema"],
        ["aiPrompt*", "aiModel", "aiFormat", "aiSchema"],
        ["imagePrompt*", "imageModel"],
        ["slackChannel*", "slackMessage*"],
        ["emailTo*", "emailSubject*", "emailBody*", "emailFrom", "emailCc", "emailBcc", "emailReplyTo", "emailScheduledAt"],
        ["ticketTitle*", "ticketDescription", "ticketPriority"],
        ["linearAssigneeId", "linearTeamId", "linearStatus", "linearLabel"],
        ["url*"],
        ["query*", "limit"],
        ["githubOwner*", "githubRepo*", "issueTitle*", "issueBody", "issueLabels", "issueAssignees"],
    ]

    @Test func catalogJSON() throws {
        let json = try JSON.parse(ActionCatalog.json)
        #expect(Shape.keys(json) == ["triggers", "actions"])
        let actions = try #require(json["actions"]?.array)
        #expect(actions.count == 12)
        #expect(actions.map { $0["id"]?.string ?? "" } == Self.ids)
        #expect(actions.map { $0["label"]?.string ?? "" } == Self.labels)
        #expect(actions.map { $0["legacyLabels"]?.array?.compactMap(\.string) ?? ["?"] } == Self.legacy)
        #expect(actions.map { $0["integrationType"] ?? "missing" } == Self.integrationTypes)
        let allowedTypes: Set = ["text", "textarea", "number", "boolean", "select", "json", "expression", "sql"]
        for (i, a) in actions.enumerated() {
            #expect(Shape.keys(a) == ["id", "label", "legacyLabels", "integrationType", "fields", "outputs"])
            let fs = a["fields"]?.array ?? []
            #expect(fs.map { ($0["key"]?.string ?? "") + ($0["required"] == true ? "*" : "") } == Self.fields[i], "\(Self.ids[i])")
            for f in fs {
                #expect(Array(Shape.keys(f).prefix(4)) == ["key", "label", "type", "required"])
                let type = f["type"]?.string ?? ""
                #expect(allowedTypes.contains(type), "\(f.text)")
                let label = f["label"]?.string ?? ""
                #expect(label.count > 0, "\(f.text)")
                #expect((f["type"] == "select") == (f["options"] != nil), "\(f.text)")
            }
            let outputs = a["outputs"]?.array ?? []
            #expect(outputs.count > 0)
        }
        // §3.3's example entries, exactly.
        let slack = actions[5]
        #expect(slack["fields"]?[0]?.text == ##"{"key":"slackChannel","label":"Channel","type":"text","required":true,"example":"#general"}"##)
        #expect(slack["outputs"] == ["success", "ts", "channel"])
        let triggers = try #require(json["triggers"]?.array)
        #expect(triggers.map { $0["type"]?.string ?? "" } == ["Manual", "Webhook", "Schedule"])
        for t in triggers { #expect(Shape.keys(t) == ["type", "label", "fields"]) }
        #expect(triggers[2]["label"] == "Schedule")
        #expect(triggers[2]["fields"]?[0]?.text
                == #"{"key":"scheduleCron","label":"Cron","type":"text","required":true,"example":"0 9 * * *"}"#)
        #expect(triggers[2]["fields"]?.array?.map { $0["key"]?.string ?? "" } == ["scheduleCron", "scheduleTimezone", "catchUp"])
        #expect(triggers[2]["fields"]?[1]?["default"] == "UTC" && triggers[2]["fields"]?[2]?["default"] == false)
        #expect(triggers[1]["fields"]?.array?.map { $0["key"]?.string ?? "" } == ["webhookSchema", "webhookMockRequest"])
        // Select options and defaults of §3.2.
        func field(_ action: Int, _ key: String) -> JSON? { actions[action]["fields"]?.array?.first { $0["key"]?.string == key } }
        #expect(field(0, "httpMethod")?["options"] == ["GET", "POST", "PUT", "PATCH", "DELETE"])
        #expect(field(0, "httpMethod")?["default"] == "GET")
        #expect(field(3, "aiFormat")?["options"] == ["text", "object"] && field(3, "aiFormat")?["default"] == "text")
        #expect(field(3, "aiModel")?["default"] == "gpt-4o-mini" && field(4, "imageModel")?["default"] == "gpt-image-1")
        #expect(field(7, "ticketPriority")?["options"] == ["0", "1", "2", "3", "4"] && field(7, "ticketPriority")?["default"] == "2")
        #expect(field(8, "linearStatus")?["options"] == ["any", "backlog", "todo", "in_progress", "done", "canceled"])
        #expect(field(10, "limit")?["default"] == 5)
    }

    @Test func resolve() {
        #expect(ActionCatalog.resolve("firecrawl/scrape")?.id == "firecrawl/scrape")
        #expect(ActionCatalog.resolve("Scrape")?.id == "firecrawl/scrape")
        #expect(ActionCatalog.resolve("Scrape URL")?.id == "firecrawl/scrape")
        #expect(ActionCatalog.resolve("Search Web")?.id == "firecrawl/search")
        #expect(ActionCatalog.resolve("Send Slack Message")?.id == "slack/send-message")
        #expect(ActionCatalog.resolve("Create GitHub Issue")?.id == "github/create-issue")
        #expect(ActionCatalog.resolve("HTTP Request")?.integrationType == nil)
        #expect(ActionCatalog.resolve("http request") == nil)
        #expect(ActionCatalog.resolve("") == nil)
        #expect(ActionCatalog.resolve("Unknown") == nil)
        for (id, label) in zip(Self.ids, Self.labels) {
            #expect(ActionCatalog.resolve(id)?.id == id)
            #expect(ActionCatalog.resolve(label)?.id == id)
        }
    }
}
