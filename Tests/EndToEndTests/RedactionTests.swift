// Redaction end to end (SPEC §10): the secret of an integration a workflow references, sent through templates in a
// string `httpHeaders` and bodies and echoed back by a server in a 200 body and an error body, and a `password` in the
// run's input, never reach the SQLite file (nor its WAL), while templates inside the run still see the real values.
import Foundation
import HTTP
import HTTPCore
import JSON
import Synchronization
import Testing

@Suite struct RedactionTests {
    static let apiKey = "xoxb-secret-0123456789"
    static let password = "hunter2-super-secret"

    @Test func secretsNeverReachTheDatabaseButTemplatesSeeThem() throws {
        let received = Mutex<[String]>([])
        let target = try InProcessServer { r in
            r.post("/echo") { req in
                let body = String(decoding: req.body, as: UTF8.self)
                received.withLock { $0.append(body + " " + (req.headers["authorization"] ?? "")) }
                // Echoes the integration's key back in a 200 body (the password only reaches this server).
                return Response.json(Array("{\"length\":\(body.utf8.count),\"key\":\"\(RedactionTests.apiKey)\"}".utf8))
            }
            r.post("/fail") { _ in
                Response(status: .badRequest, headers: [("Content-Type", "text/plain")],
                         body: .bytes(Array("bad key \(RedactionTests.apiKey)".utf8)))
            }
        }
        let server = try ServerProcess()
        let c = try ExecutionTests.user(server.port)
        let integration = try c.post("/api/integrations", ["name": "Slack", "type": "slack", "config": ["apiKey": .string(Self.apiKey)]])
        let integrationID = try #require(integration.json?["id"]?.string)
        let base = "http://127.0.0.1:\(target.port)"
        let nodes: [JSON] = [
            Run.trigger(),
            // References the integration, so its secret is registered for by-value redaction.
            Run.node("slack", ["actionType": "Send Slack Message", "integrationId": .string(integrationID), "slackChannel": "#x",
                               "slackMessage": "hi"], extra: ["enabled": false]),
            Run.node("echo", ["actionType": "HTTP Request", "endpoint": .string(base + "/echo"), "httpMethod": "POST",
                              "httpHeaders": #"{"Authorization":"Bearer {{@t:Start.h}}"}"#,
                              "httpBody": #"{"password":"{{@t:Start.password}}","note":"key is {{@t:Start.h}}"}"#]),
            Run.node("fail", ["actionType": "HTTP Request", "endpoint": .string(base + "/fail"), "httpMethod": "POST",
                              "httpBody": ["k": "{{@t:Start.h}}"]]),
        ]
        let wf = try Run.workflow(c, nodes: nodes, edges: [Run.edge("t", "slack"), Run.edge("slack", "echo"), Run.edge("t", "fail")])
        // The secrets come in with the run's input (the workflow itself holds none): `password` is masked by its key,
        // `h` by value, as the integration's secret.
        let exec = try Run.execute(c, wf, input: ["password": .string(Self.password), "h": .string(Self.apiKey),
                                                  "email": "ada@example.com"])
        let status = try Run.finish(c, exec)
        #expect(status["nodeStatuses"]?["echo"] == "success" && status["nodeStatuses"]?["fail"] == "error", "\(status)")

        // The run saw the real values: the target got the password through the template and the key in the header.
        let got = received.withLock { $0 }
        #expect(got.count == 1 && got[0].contains(Self.password) && got[0].contains("Bearer \(Self.apiKey)"), "\(got)")

        // What the API shows is masked.
        let logs = try Run.logs(c, exec)
        let text = logs.map(\.text).joined() + (try c.get("/api/workflows/\(wf)/executions").text)
        let leaked = text.contains(Self.apiKey) || text.contains(Self.password)
        #expect(!leaked, "\(text)")
        #expect(text.contains("********6789"), "masked as in SPEC §10: \(text)")
        let failed = logs.first { $0["nodeId"] == "fail" }
        #expect(failed?["error"]?.string?.hasPrefix("HTTP request failed with status 400: bad key ") == true)

        // A webhook call carrying a password: its input, the trigger's row and the run's output are masked too.
        let key = try #require(try c.post("/api/api-keys", ["name": "hook"]).json?["key"]?.string)
        let hook = try Run.workflow(c, nodes: [["id": "w", "data": ["type": "trigger", "label": "Hook", "config": ["triggerType": "Webhook"]]],
                                               Run.node("c", ["actionType": "Condition",
                                                              "condition": .string("{{@w:Hook.password}}.length > 3")])],
                                    edges: [Run.edge("w", "c")])
        let call = try APIClient(port: server.port).send("POST", "/api/workflows/\(hook)/webhook",
                                                         body: #"{"password":"\#(Self.password)","plan":"pro"}"#,
                                                         headers: ["Authorization: Bearer \(key)"])
        let hookRun = try #require(call.json?["executionId"]?.string, "\(call.text)")
        let hookStatus = try Run.finish(c, hookRun)
        #expect(hookStatus["nodeStatuses"]?["c"] == "success", "the condition saw the real password: \(hookStatus)")
        let hookLogs = try Run.logs(c, hookRun).map(\.text).joined() + (try c.get("/api/workflows/\(hook)/executions").text)
        let hookLeaked = hookLogs.contains(Self.password)
        #expect(!hookLeaked, "\(hookLogs)")
        let conditionRow = try Run.logs(c, hookRun).first { $0["nodeId"] == "c" }
        #expect(conditionRow?["input"]?["condition"] == true)

        // And the file itself (with its WAL) holds no secret, in any form.
        _ = try c.get("/health")
        for suffix in ["", "-wal"] {
            let path = server.dataDir + "/orchestrator.db" + suffix
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let bytes = [UInt8](data)
            let hasKey = DBFiles.find(Array(Self.apiKey.utf8), in: bytes)
            let hasPassword = DBFiles.find(Array(Self.password.utf8), in: bytes)
            #expect(!hasKey, "\(path) holds the API key")
            #expect(!hasPassword, "\(path) holds the password")
        }
    }
}
