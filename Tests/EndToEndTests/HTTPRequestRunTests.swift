// HTTP Request nodes run through the spawned binary against local servers (SPEC §3.2): the request each rule makes,
// redirects with Authorization dropped across origins, the output and the failure message as the logs show them.
import Foundation
import HTTP
import HTTPCore
import JSON
import Testing

@Suite struct HTTPRequestRunTests {
    /// A local server that answers `/echo` with what it received, `/redirect/<code>` with a redirect to `to`, and
    /// `/fail` with a 500 of 1,500 characters.
    static func target(redirectTo: @escaping @Sendable () -> String = { "" }) throws -> InProcessServer {
        try InProcessServer { r in
            let echo: Handler = { req in
                var headers: [(key: String, value: JSON)] = []
                for name in ["content-type", "authorization", "x-trace", "user-agent"] {
                    if let v = req.headers[name] { headers.append((name, .string(v))) }
                }
                return Response.json(JSON.object([("method", .string(req.method.name)),
                                                  ("body", .string(String(decoding: req.body, as: UTF8.self))),
                                                  ("headers", .object(headers))]).bytes)
            }
            for m in [HTTP.Method.get, .post, .put, .patch, .delete] { r.add(m, "/echo", echo) }
            for code in [301, 302, 303, 307, 308] {
                r.add(.post, "/redirect/\(code)") { _ in
                    Response(status: Status(code), headers: [("Location", redirectTo())], body: .empty)
                }
            }
            r.get("/fail") { _ in Response(status: .internalServerError, headers: [("Content-Type", "text/plain")],
                                           body: .bytes(Array(String(repeating: "é", count: 1500).utf8))) }
        }
    }

    func runOne(_ c: APIClient, _ config: JSON) throws -> JSON {
        let wf = try Run.workflow(c, nodes: [Run.trigger(), Run.node("h", config)], edges: [Run.edge("t", "h")])
        let exec = try Run.execute(c, wf)
        _ = try Run.finish(c, exec)
        return try #require(try Run.logs(c, exec).last)
    }

    @Test func bodiesHeadersAndOutputsAsTheLogsShowThem() throws {
        let target = try Self.target()
        let server = try ServerProcess()
        let c = try ExecutionTests.user(server.port)
        let url = JSON.string("http://127.0.0.1:\(target.port)/echo")

        let json = try runOne(c, ["actionType": "HTTP Request", "endpoint": url, "httpMethod": "POST", "httpBody": ["a": 1],
                                  "httpHeaders": #"{"X-Trace":"t1"}"#])
        #expect(json["status"] == "success", "\(json)")
        let echoed = try #require(json["output"])
        #expect(echoed["method"] == "POST" && echoed["body"] == #"{"a":1}"#)
        #expect(echoed["headers"]?["content-type"] == "application/json" && echoed["headers"]?["x-trace"] == "t1")
        #expect(echoed["headers"]?["user-agent"]?.string?.hasPrefix("Orchestrator/") == true)
        #expect(json["input"]?["httpHeaders"] == ["X-Trace": "t1"], "headers given as a string are logged as an object")

        let text = try runOne(c, ["actionType": "HTTP Request", "endpoint": url, "httpMethod": "PUT", "httpBody": "plain words"])
        #expect(text["output"]?["body"] == "plain words")
        #expect(text["output"]?["headers"]?["content-type"]?.string?.hasPrefix("text/plain") == true)

        let get = try runOne(c, ["actionType": "HTTP Request", "endpoint": url, "httpBody": ["ignored": true]])
        #expect(get["output"]?["method"] == "GET" && get["output"]?["body"] == "")

        let failing = try runOne(c, ["actionType": "HTTP Request", "endpoint": .string("http://127.0.0.1:\(target.port)/fail")])
        #expect(failing["status"] == "error")
        #expect(failing["error"] == .string("HTTP request failed with status 500: " + String(repeating: "é", count: 1000)))
    }

    @Test(arguments: [301, 302, 303, 307, 308])
    func redirectsFollowFetchRulesAndDropAuthorizationAcrossOrigins(_ code: Int) throws {
        let other = try Self.target()
        let otherURL = "http://127.0.0.1:\(other.port)/echo"
        let first = try Self.target(redirectTo: { otherURL })
        let server = try ServerProcess()
        let c = try ExecutionTests.user(server.port)
        let log = try runOne(c, ["actionType": "HTTP Request", "endpoint": .string("http://127.0.0.1:\(first.port)/redirect/\(code)"),
                                 "httpMethod": "POST", "httpBody": ["k": "v"], "httpHeaders": ["Authorization": "Bearer secret"]])
        #expect(log["status"] == "success", "\(log)")
        let echoed = log["output"]
        let keeps = code == 307 || code == 308
        #expect(echoed?["method"] == .string(keeps ? "POST" : "GET"))
        #expect(echoed?["body"] == .string(keeps ? #"{"k":"v"}"# : ""))
        #expect(echoed?["headers"]?["authorization"] == nil, "another origin gets no Authorization")
    }
}
