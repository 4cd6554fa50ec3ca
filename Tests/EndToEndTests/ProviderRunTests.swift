// Provider actions run through the binary against a local server that speaks the provider's protocol, reached through
// the base-URL override (SPEC §8): the integration reaches the step, the request is the provider's, and the key the
// server echoes back is masked in what is stored.
import Foundation
import HTTP
import HTTPCore
import JSON
import Synchronization
import Testing

@Suite struct ProviderRunTests {
    static let token = "xoxb-1111-2222-validtoken"

    @Test func aSlackMessageUsesItsIntegrationAndTheEchoedKeyIsMasked() throws {
        let seen = Mutex<[String]>([])
        let slack = try InProcessServer { r in
            r.post("/api/chat.postMessage") { req in
                let auth = req.headers["authorization"] ?? ""
                seen.withLock { $0.append(auth + " " + String(decoding: req.body, as: UTF8.self)) }
                guard auth == "Bearer \(ProviderRunTests.token)" else {
                    return Response.json(Array(#"{"ok":false,"error":"invalid_auth"}"#.utf8))
                }
                if String(decoding: req.body, as: UTF8.self).contains("#gone") {
                    // An error text that quotes the key: it must be stored masked.
                    return Response.json(Array(#"{"ok":false,"error":"channel_not_found for \#(ProviderRunTests.token)"}"#.utf8))
                }
                return Response.json(Array(#"{"ok":true,"ts":"1700000000.000100","channel":"C1","note":"sent with \#(ProviderRunTests.token)"}"#.utf8))
            }
        }
        let server = try ServerProcess(environment: ["ORCHESTRATOR_SLACK_BASE_URL": "http://127.0.0.1:\(slack.port)/api"])
        let c = try ExecutionTests.user(server.port)
        let created = try c.post("/api/integrations", ["name": "Slack", "type": "slack", "config": ["apiKey": .string(Self.token)]])
        let integration = try #require(created.json?["id"]?.string)
        let wf = try Run.workflow(c, nodes: [Run.trigger(),
                                             Run.node("s", ["actionType": "Send Slack Message", "integrationId": .string(integration),
                                                            "slackChannel": "#leads", "slackMessage": "New lead {{@t:Start.email}}"]),
                                             Run.node("none", ["actionType": "slack/send-message", "slackChannel": "#x", "slackMessage": "y"]),
                                             Run.node("gone", ["actionType": "slack/send-message", "integrationId": .string(integration),
                                                               "slackChannel": "#gone", "slackMessage": "y"])],
                                  edges: [Run.edge("t", "s"), Run.edge("t", "none"), Run.edge("t", "gone")])
        let exec = try Run.execute(c, wf, input: ["email": "ada@example.com"])
        let status = try Run.finish(c, exec)
        #expect(status["nodeStatuses"]?["s"] == "success", "\(status)")
        let sent = seen.withLock { $0 }
        #expect(sent.count == 2 && sent.contains { $0.contains(##""channel":"#leads""##) && $0.contains("New lead ada@example.com") },
                "\(sent)")
        let logs = try Run.logs(c, exec)
        let row = logs.first { $0["nodeId"] == "s" }
        #expect(row?["nodeName"] == "Send Slack Message")
        #expect(row?["output"]?["ts"] == "1700000000.000100" && row?["output"]?["channel"] == "C1")
        #expect(logs.first { $0["nodeId"] == "gone" }?["error"] == "Failed to send Slack message: channel_not_found for ********oken")
        #expect(logs.first { $0["nodeId"] == "none" }?["error"] == "No slack integration configured for this step")
        let text = logs.map(\.text).joined()
        #expect(!text.contains(Self.token))
    }
}
