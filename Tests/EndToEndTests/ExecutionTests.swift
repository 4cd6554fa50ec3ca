// Running workflows through the API (SPEC §5, §6) against the real server: start, watch, logs, cancel, list with the
// cursor, delete, admission, crash recovery and graceful shutdown; HTTP Request nodes call local servers only.
import Foundation
import Testing
import JSON

enum Run {
    static func workflow(_ c: APIClient, nodes: [JSON], edges: [JSON], name: String = "flow") throws -> String {
        let r = try c.post("/api/workflows/create", ["name": .string(name), "nodes": .array(nodes), "edges": .array(edges)])
        #expect(r.status == 201, "\(r.text)")
        return try #require(r.json?["id"]?.string)
    }

    static func execute(_ c: APIClient, _ wf: String, input: JSON? = nil) throws -> String {
        let r = try c.post("/api/workflows/\(wf)/execute", input.map { ["input": $0] })
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json?["status"] == "running")
        return try #require(r.json?["executionId"]?.string)
    }

    /// Polls the status route until the execution is no longer running.
    static func finish(_ c: APIClient, _ exec: String, timeout: Double = 20) throws -> JSON {
        var last: JSON?
        let ok = eventually(timeout: timeout) {
            last = try? c.get("/api/workflows/executions/\(exec)/status").json
            return last?["status"] != nil && last?["status"] != "running"
        }
        #expect(ok, "still running: \(String(describing: last))")
        return last ?? .null
    }

    static func logs(_ c: APIClient, _ exec: String) throws -> [JSON] {
        try c.get("/api/workflows/executions/\(exec)/logs").json?.array ?? []
    }

    static func trigger(_ id: String = "t") -> JSON {
        ["id": .string(id), "type": "trigger", "data": ["type": "trigger", "label": "Start", "config": ["triggerType": "Manual"]]]
    }

    static func node(_ id: String, _ config: JSON, label: String = "", extra: JSON = [:]) -> JSON {
        var data: JSON = ["type": "action", "label": .string(label), "config": config]
        for m in extra.object ?? [] { data.set(m.key, m.value) }
        return ["id": .string(id), "type": "action", "data": data]
    }

    static func edge(_ s: String, _ t: String, handle: String? = nil) -> JSON {
        var e: JSON = ["id": .string("\(s)-\(t)"), "source": .string(s), "target": .string(t)]
        if let handle { e.set("sourceHandle", .string(handle)) }
        return e
    }
}

@Suite struct ExecutionTests {
    static func user(_ port: Int) throws -> APIClient {
        let c = APIClient(port: port)
        #expect(try c.signUp(uniqueEmail("run"), "run password 1").status == 201)
        return c
    }

    @Test func aManualConditionRunEndsWithStatusesAndLogs() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let c = try Self.user(app.port)
        let wf = try Run.workflow(c, nodes: [Run.trigger(), Run.node("c", ["actionType": "Condition", "condition": true]),
                                             Run.node("yes", ["actionType": "Condition", "condition": false], label: "Second"),
                                             Run.node("no", ["actionType": "Condition", "condition": true])],
                                  edges: [Run.edge("t", "c"), Run.edge("c", "yes", handle: "true"), Run.edge("c", "no", handle: "false")])
        let exec = try Run.execute(c, wf, input: ["email": "ada@example.com"])
        let status = try Run.finish(c, exec)
        #expect(status == ["id": .string(exec), "status": "success",
                           "nodeStatuses": ["t": "success", "c": "success", "yes": "success", "no": "skipped"]])
        let logs = try Run.logs(c, exec)
        #expect(logs.map { $0["nodeId"]?.string ?? "" } == ["t", "c", "yes"])
        let t = logs[0]
        #expect(t["nodeName"] == "Start" && t["nodeType"] == "trigger" && t["status"] == "success")
        #expect(t["input"] == ["email": "ada@example.com"])
        #expect(t["output"]?["triggered"] == true && t["output"]?["email"] == "ada@example.com")
        #expect(logs[1]["nodeName"] == "Condition" && logs[1]["output"] == ["condition": true])
        #expect(logs[1]["input"] == ["condition": true], "the config without actionType")
        #expect(logs[2]["nodeName"] == "Second")
        for l in logs {
            #expect(Shape.keys(l) == ["id", "nodeId", "nodeName", "nodeType", "status", "input", "output", "error", "startedAt",
                                      "completedAt", "duration"])
            #expect(Shape.isID(l["id"]?.string, prefix: "log_"))
            #expect(l["duration"]?.string.flatMap { Int($0) } != nil, "durations are strings")
        }
        let list = try c.get("/api/workflows/\(wf)/executions").json?.array ?? []
        #expect(list.count == 1)
        let e = try #require(list.first)
        #expect(Shape.keys(e) == ["id", "status", "input", "output", "error", "startedAt", "completedAt", "duration"])
        #expect(e["status"] == "success" && e["output"] == ["condition": false] && e["error"] == .null)
        #expect(e["input"] == ["email": "ada@example.com"])
    }

    @Test func aConditionExpressionReadsTheTriggerAndLogsItsValues() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let c = try Self.user(app.port)
        let expression = "{{@t:Start.n}} > 3 && {{@t:Start.email}}.endsWith('@example.com')"
        let wf = try Run.workflow(c, nodes: [Run.trigger(), Run.node("c", ["actionType": "Condition", "condition": .string(expression)]),
                                             Run.node("big", ["actionType": "Condition", "condition": true]),
                                             Run.node("small", ["actionType": "Condition", "condition": true])],
                                  edges: [Run.edge("t", "c"), Run.edge("c", "big", handle: "true"), Run.edge("c", "small", handle: "false")])
        let exec = try Run.execute(c, wf, input: ["n": 5, "email": "ada@example.com"])
        let status = try Run.finish(c, exec)
        #expect(status["nodeStatuses"]?["big"] == "success" && status["nodeStatuses"]?["small"] == "skipped", "\(status)")
        let row = try Run.logs(c, exec).first { $0["nodeId"] == "c" }
        #expect(row?["input"] == ["condition": true, "expression": .string(expression),
                                  "values": ["Start.n": 5, "Start.email": "ada@example.com"]], "\(String(describing: row))")
        let bad = try Run.workflow(c, nodes: [Run.trigger(), Run.node("c", ["actionType": "Condition", "condition": "(1 =="])],
                                   edges: [Run.edge("t", "c")])
        let failed = try Run.execute(c, bad)
        _ = try Run.finish(c, failed)
        let error = try Run.logs(c, failed).last?["error"]?.string ?? ""
        #expect(error.hasPrefix("Invalid condition expression: "), "\(error)")
    }

    @Test func executeChecksItsInputAndTheWorkflow() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let owner = try Self.user(app.port)
        let wf = try Run.workflow(owner, nodes: [Run.trigger()], edges: [])
        AccountExpect.error(try owner.post("/api/workflows/\(wf)/execute", ["input": 5]), 400, "input must be a JSON object")
        AccountExpect.error(try owner.post("/api/workflows/wf_nope/execute"), 404, "Workflow not found")
        let other = try Self.user(app.port)
        AccountExpect.error(try other.post("/api/workflows/\(wf)/execute"), 404, "Workflow not found")
        #expect(try owner.patch("/api/workflows/\(wf)", ["visibility": "public"]).status == 200)
        AccountExpect.error(try other.post("/api/workflows/\(wf)/execute"), 403, "Forbidden")
        #expect(try owner.patch("/api/workflows/\(wf)", ["nodes": [Run.node("a", ["actionType": "Condition", "condition": true])]]).status == 200)
        AccountExpect.error(try owner.post("/api/workflows/\(wf)/execute"), 400, "Workflow has no trigger node")
        // The alias route.
        #expect(try owner.patch("/api/workflows/\(wf)", ["nodes": [Run.trigger()]]).status == 200)
        let alias = try owner.post("/api/workflow/\(wf)/execute")
        #expect(alias.status == 200 && alias.json?["executionId"]?.string?.hasPrefix("exec_") == true, "\(alias.text)")
        // Others cannot see it.
        let exec = try #require(alias.json?["executionId"]?.string)
        AccountExpect.error(try other.get("/api/workflows/executions/\(exec)/status"), 404, "Execution not found")
        AccountExpect.error(try other.get("/api/workflows/executions/\(exec)/logs"), 404, "Execution not found")
        AccountExpect.error(try other.post("/api/workflows/executions/\(exec)/cancel"), 404, "Execution not found")
        _ = try Run.finish(owner, exec)
        AccountExpect.error(try owner.post("/api/workflows/executions/\(exec)/cancel"), 409, "Execution is not running")
        AccountExpect.error(try owner.get("/api/workflows/\(wf)/executions?limit=0"), 400, "limit must be an integer between 1 and 200")
        AccountExpect.error(try owner.get("/api/workflows/\(wf)/executions?limit=201"), 400, "limit must be an integer between 1 and 200")
        AccountExpect.error(try owner.get("/api/workflows/\(wf)/executions?before=exec_nope"), 400, "Invalid cursor")
        AccountExpect.error(try other.get("/api/workflows/\(wf)/executions"), 404, "Workflow not found")
    }

    @Test func twentyRunsInOneMillisecondPageWithTheCursorEachExactlyOnce() throws {
        let app = try LocalApp()   // its clock stands still unless advanced
        defer { app.stop() }
        let c = try Self.user(app.port)
        let wf = try Run.workflow(c, nodes: [Run.trigger()], edges: [])
        var ids = Set<String>()
        for _ in 0..<20 { ids.insert(try Run.execute(c, wf)) }
        var seen: [String] = []
        var before: String? = nil
        for _ in 0..<25 {
            let page = try c.get("/api/workflows/\(wf)/executions?limit=1" + (before.map { "&before=\($0)" } ?? "")).json?.array ?? []
            guard let id = page.first?["id"]?.string else { break }
            #expect(page.count == 1)
            seen.append(id)
            before = id
        }
        #expect(seen.count == 20 && Set(seen) == ids)
        #expect(seen == seen.sorted(by: >), "same startedAt: id desc")
    }

    @Test func cancelAbortsTheCallInFlightAndNothingChangesAfterwards() throws {
        let target = try HangingServer()
        let server = try ServerProcess()
        let c = try Self.user(server.port)
        let wf = try Run.workflow(c, nodes: [Run.trigger(), Run.node("h", ["actionType": "HTTP Request", "endpoint": .string("http://127.0.0.1:\(target.port)/slow")]),
                                             Run.node("after", ["actionType": "Condition", "condition": true])],
                                  edges: [Run.edge("t", "h"), Run.edge("h", "after")])
        let exec = try Run.execute(c, wf)
        #expect(target.waitForOpen(1))
        let running = try c.get("/api/workflows/executions/\(exec)/status").json
        #expect(running?["status"] == "running" && running?["nodeStatuses"]?["h"] == "running" && running?["nodeStatuses"]?["after"] == "pending")
        let asked = monotonicSeconds()
        let r = try c.post("/api/workflows/executions/\(exec)/cancel")
        #expect(r.status == 200 && r.json == ["id": .string(exec), "status": "cancelled"], "\(r.text)")
        #expect(eventually(timeout: 2) { !target.closedAt.isEmpty })
        if let closed = target.closedAt.first { #expect(closed - asked < 0.1, "closed \(Int((closed - asked) * 1000)) ms after the cancel") }
        let status = try c.get("/api/workflows/executions/\(exec)/status").json
        #expect(status?["status"] == "cancelled")
        let logs = try Run.logs(c, exec)
        #expect(logs.last?["status"] == "cancelled" && logs.last?["error"] == "Execution cancelled")
        let list = try c.get("/api/workflows/\(wf)/executions").json?.array?.first
        #expect(list?["status"] == "cancelled" && list?["error"] == "Execution cancelled")
        sleepSeconds(0.3)
        #expect(try Run.logs(c, exec) == logs, "no log row changes after the cancel")
        AccountExpect.error(try c.post("/api/workflows/executions/\(exec)/cancel"), 409, "Execution is not running")
    }

    @Test func aStepTimeoutClosesTheConnectionAndFailsTheRun() throws {
        let target = try HangingServer()
        let server = try ServerProcess()
        let c = try Self.user(server.port)
        let wf = try Run.workflow(c, nodes: [Run.trigger(), Run.node("h", ["actionType": "HTTP Request", "endpoint": .string("http://127.0.0.1:\(target.port)/")],
                                                                  extra: ["timeoutMs": 300])],
                                  edges: [Run.edge("t", "h")])
        let started = monotonicSeconds()
        let exec = try Run.execute(c, wf)
        let status = try Run.finish(c, exec)
        #expect(status["status"] == "error")
        let logs = try Run.logs(c, exec)
        #expect(logs.last?["error"] == "Step timed out after 300 ms")
        #expect(eventually(timeout: 2) { !target.closedAt.isEmpty })
        if let closed = target.closedAt.first { #expect(closed - started < 0.3 + 0.5, "closed at the timeout") }
        let e = try c.get("/api/workflows/\(wf)/executions").json?.array?.first
        #expect(e?["error"] == "Step timed out after 300 ms")
    }

    @Test func deleteKeepsRunningExecutions() throws {
        let target = try HangingServer()
        let app = try LocalApp()
        defer { app.stop() }
        let c = try Self.user(app.port)
        let quick = try Run.workflow(c, nodes: [Run.trigger()], edges: [])
        let done = try Run.execute(c, quick)
        _ = try Run.finish(c, done)
        let slow = try Run.workflow(c, nodes: [Run.trigger(), Run.node("h", ["actionType": "HTTP Request", "endpoint": .string("http://127.0.0.1:\(target.port)/")])],
                                    edges: [Run.edge("t", "h")])
        let running = try Run.execute(c, slow)
        _ = try Run.finish(c, try Run.execute(c, quick))
        #expect(target.waitForOpen(1), "the slow run is in its step")
        let del = try c.delete("/api/workflows/\(slow)/executions")
        #expect(del.status == 200 && del.json == ["success": true, "deletedCount": 0], "\(del.text)")
        let delQuick = try c.delete("/api/workflows/\(quick)/executions")
        #expect(delQuick.json?["deletedCount"] == 2, "\(delQuick.text)")
        #expect(try c.get("/api/workflows/\(slow)/executions").json?.array?.first?["id"]?.string == running)
        #expect(try c.post("/api/workflows/executions/\(running)/cancel").status == 200)
    }

    @Test func pastThePendingRunLimitExecuteIsBusyAndCreatesNothing() throws {
        let target = try HangingServer()
        let server = try ServerProcess(environment: ["ORCHESTRATOR_MAX_PENDING_RUNS": "2"])
        let c = try Self.user(server.port)
        let wf = try Run.workflow(c, nodes: [Run.trigger(), Run.node("h", ["actionType": "HTTP Request", "endpoint": .string("http://127.0.0.1:\(target.port)/")])],
                                  edges: [Run.edge("t", "h")])
        let a = try Run.execute(c, wf), b = try Run.execute(c, wf)
        let busy = try c.post("/api/workflows/\(wf)/execute")
        AccountExpect.error(busy, 503, "Server busy")
        #expect(busy.header("Retry-After") == "1")
        #expect(try c.get("/api/workflows/\(wf)/executions").json?.array?.count == 2)
        #expect(try c.post("/api/workflows/executions/\(a)/cancel").status == 200)
        let c3 = try c.post("/api/workflows/\(wf)/execute")
        #expect(c3.status == 200, "a place freed up")
        _ = b
    }

    @Test func aRestartMarksRunsThatWereRunningAsInterrupted() throws {
        let target = try HangingServer()
        let first = try ServerProcess()
        let c = try Self.user(first.port)
        let wf = try Run.workflow(c, nodes: [Run.trigger(), Run.node("h", ["actionType": "HTTP Request", "endpoint": .string("http://127.0.0.1:\(target.port)/")])],
                                  edges: [Run.edge("t", "h")])
        let exec = try Run.execute(c, wf)
        #expect(target.waitForOpen(1))
        #expect(eventually(timeout: 10) { ((try? Run.logs(c, exec)) ?? []).contains { $0["nodeId"] == "h" } },
                "the step's log row is committed")
        first.kill()
        _ = first.waitForExit(timeout: 5)
        let second = try ServerProcess(flags: ["--data-dir", first.dataDir])
        let again = APIClient(port: second.port, session: c.session)
        let status = try again.get("/api/workflows/executions/\(exec)/status").json
        #expect(status?["status"] == "error", "\(String(describing: status))")
        let e = try again.get("/api/workflows/\(wf)/executions").json?.array?.first
        #expect(e?["error"] == "Interrupted by server restart" && e?["completedAt"]?.string != nil)
        let logs = try Run.logs(again, exec)
        #expect(logs.last?["status"] == "error" && logs.last?["error"] == "Interrupted by server restart", "\(logs)")
    }

    @Test func gracefulShutdownMarksRunsThatDoNotFinishInTime() throws {
        let target = try HangingServer()
        let server = try ServerProcess(environment: ["ORCHESTRATOR_SHUTDOWN_TIMEOUT_S": "1"])
        let c = try Self.user(server.port)
        let wf = try Run.workflow(c, nodes: [Run.trigger(), Run.node("h", ["actionType": "HTTP Request", "endpoint": .string("http://127.0.0.1:\(target.port)/")])],
                                  edges: [Run.edge("t", "h")])
        let exec = try Run.execute(c, wf)
        #expect(target.waitForOpen(1))
        server.terminate()
        #expect(server.waitForExit(timeout: 15) == 0)
        let db = try Store.Database.openReader(path: server.dataDir + "/orchestrator.db")
        #expect(try DBFiles.text(db, "SELECT error FROM executions WHERE id = ?", [.text(exec)]) == "Interrupted by server shutdown")
        #expect(try DBFiles.text(db, "SELECT status FROM execution_logs WHERE execution_id = ? AND node_id = 'h'", [.text(exec)]) == "error")
    }
}

import Store
