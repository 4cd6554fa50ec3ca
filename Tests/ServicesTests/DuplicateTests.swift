// Duplicate's graph transformation (SPEC §2.3: new ids, remapped edges, template rewrite, integrationId stripped,
// status idle).
import JSON
import Testing
@testable import Domain
@testable import Services

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
        // One grammar (Expressions.Template): the label runs to the closing braces, so this is one reference to `a`.
        ("{{@a:{{@n1:L}}", "{{@NEW_A:{{@n1:L}}"),
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

/// The keys of a JSON object, in order.
private enum Shape {
    static func keys(_ json: JSON?) -> [String] { json?.object?.map(\.key) ?? [] }
}

@Suite struct PublicSanitisingTests {
    @Test func integrationIDsAreRemovedAndNothingElseChanges() {
        let nodes = #"[{"id":"a","data":{"config":{"integrationId":"int_1","x":1}}},{"id":"b"}]"#
        #expect(Workflows.sanitizedNodes(nodes) == #"[{"id":"a","data":{"config":{"x":1}}},{"id":"b"}]"#)
    }

    @Test func storedNodesThatDoNotParseFailClosed() {
        // Before: the unparsed text (integration ids included) went out as it was.
        #expect(Workflows.sanitizedNodes(#"[{"id":"a","data":{"config":{"integrationId":"int_1""#) == nil)
        #expect(Workflows.sanitizedNodes(#"{"not":"an array"}"#) == nil)
    }
}
