// The webhook trigger (SPEC §7) against the spawned binary: the check order and messages with CORS on every response,
// idempotency under concurrency, revocation taking effect at once, and no acknowledged execution lost to a SIGKILL.
import Dispatch
import Foundation
import JSON
import Synchronization
import Testing

@Suite struct WebhookTests {
    static let cors = ["Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, OPTIONS",
                       "Access-Control-Allow-Headers": "Content-Type, Authorization, Idempotency-Key",
                       "Access-Control-Max-Age": "86400"]

    static func expectCORS(_ r: APIResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        for (k, v) in cors { #expect(r.header(k) == v, "\(k) on \(r.status)", sourceLocation: sourceLocation) }
    }

    /// A user with a key and a Webhook → Condition workflow.
    static func setUp(_ port: Int) throws -> (c: APIClient, key: String, wf: String) {
        let c = try ExecutionTests.user(port)
        let key = try #require(try c.post("/api/api-keys", ["name": "hook"]).json?["key"]?.string)
        let wf = try Run.workflow(c, nodes: [["id": "t", "data": ["type": "trigger", "label": "Hook",
                                                                  "config": ["triggerType": "Webhook"]]],
                                             Run.node("c", ["actionType": "Condition", "condition": "{{@t:Hook.plan}} === 'pro'"])],
                                  edges: [Run.edge("t", "c")])
        return (c, key, wf)
    }

    static func call(_ port: Int, _ wf: String, auth: String?, body: String? = #"{"plan":"pro"}"#, idempotency: String? = nil,
                     contentType: String? = nil) throws -> APIResponse {
        var headers: [String] = []
        if let auth { headers.append("Authorization: \(auth)") }
        if let idempotency { headers.append("Idempotency-Key: \(idempotency)") }
        return try APIClient(port: port).send("POST", "/api/workflows/\(wf)/webhook", body: body, contentType: contentType,
                                              headers: headers)
    }

    @Test func everyCheckInOrderWithItsMessageAndCORS() throws {
        let server = try ServerProcess(flags: ["--max-webhook-body-bytes", "4096"])
        let p = server.port
        let (c, key, wf) = try Self.setUp(p)
        let other = try Self.setUp(p)

        let cases: [(APIResponse, Int, String)] = [
            (try Self.call(p, "wf_nope", auth: "Bearer \(key)"), 404, "Workflow not found"),
            (try Self.call(p, wf, auth: nil), 401, "Missing Authorization header"),
            (try Self.call(p, wf, auth: "Bearer nope"), 401, "Invalid API key format"),
            (try Self.call(p, wf, auth: "Bearer wfb_unknownunknownunknownunknown"), 401, "Invalid API key"),
            (try Self.call(p, wf, auth: "Bearer \(other.key)"), 403, "You do not have permission to run this workflow"),
            (try Self.call(p, wf, auth: "Bearer \(key)", body: "{nope"), 400, "Invalid JSON body"),
            (try Self.call(p, wf, auth: "Bearer \(key)", idempotency: String(repeating: "k", count: 256)), 400,
             "Invalid Idempotency-Key header"),
        ]
        for (r, status, message) in cases {
            AccountExpect.error(r, status, message)
            Self.expectCORS(r)
        }
        // Not a Webhook workflow.
        let manual = try Run.workflow(c, nodes: [Run.trigger()], edges: [])
        let notHook = try Self.call(p, manual, auth: "Bearer \(key)")
        AccountExpect.error(notHook, 400, "This workflow is not configured for webhook triggers")
        Self.expectCORS(notHook)

        // The raw key works too, any Content-Type (or none), an empty body is {}.
        for (auth, body, type) in [("Bearer \(key)", #"{"plan":"pro"}"#, "text/plain"), ("bEaReR \(key)", "", nil), (key, "[1,2]", "application/json")] {
            let ok = try Self.call(p, wf, auth: auth, body: body, contentType: type)
            #expect(ok.status == 200 && ok.json?["status"] == "running", "\(ok.text)")
            #expect(ok.json?["executionId"]?.string?.hasPrefix("exec_") == true)
            Self.expectCORS(ok)
        }
        let exec = try #require(try Self.call(p, wf, auth: "Bearer \(key)").json?["executionId"]?.string)
        let done = try Run.finish(c, exec)
        #expect(done["nodeStatuses"]?["c"] == "success")
        let logs = try Run.logs(c, exec)
        #expect(logs.first?["output"]?["plan"] == "pro" && logs.first?["output"]?["triggered"] == true)

        // 405, 413 and OPTIONS (any id) carry CORS too.
        let get = try APIClient(port: p).get("/api/workflows/\(wf)/webhook")
        #expect(get.status == 405)
        Self.expectCORS(get)
        let big = try Self.call(p, wf, auth: "Bearer \(key)", body: "{\"x\":\"" + String(repeating: "a", count: 5000) + "\"}")
        #expect(big.status == 413)
        Self.expectCORS(big)
        let preflight = try APIClient(port: p).send("OPTIONS", "/api/workflows/wf_anything/webhook")
        #expect(preflight.status == 204 && preflight.raw.body.isEmpty)
        Self.expectCORS(preflight)

        // lastUsedAt is set.
        let keys = try c.get("/api/api-keys").json?.array ?? []
        #expect(keys.first?["lastUsedAt"]?.string != nil)
        // Metrics count accepted and rejected calls.
        let metrics = try APIClient(port: p).get("/metrics").text
        #expect(metrics.contains("webhook_accepted_total 4"), "\(metrics)")
        #expect(metrics.contains("webhook_rejected_total{status=\"401\"} 3"))
    }

    @Test func twentyConcurrentCallsWithOneIdempotencyKeyStartOneExecution() throws {
        let server = try ServerProcess()
        let p = server.port
        let (c, key, wf) = try Self.setUp(p)
        let results = Mutex<[(String, String?)]>([])
        parallel(20, threads: 20) { _ in
            if let r = try? Self.call(p, wf, auth: "Bearer \(key)", idempotency: "order-1042"), r.status == 200,
               let id = r.json?["executionId"]?.string {
                results.withLock { $0.append((id, r.header("Idempotent-Replayed"))) }
            }
        }
        let all = results.withLock { $0 }
        #expect(all.count == 20)
        #expect(Set(all.map(\.0)).count == 1, "one execution for one key")
        #expect(all.filter { $0.1 == "true" }.count == 19)
        #expect(try c.get("/api/workflows/\(wf)/executions").json?.array?.count == 1)
        // Another key starts another run.
        #expect(try Self.call(p, wf, auth: "Bearer \(key)", idempotency: "order-1043").header("Idempotent-Replayed") == nil)
    }

    @Test func aRevokedKeyIsRefusedAtOnce() throws {
        let server = try ServerProcess()
        let p = server.port
        let (c, key, wf) = try Self.setUp(p)
        #expect(try Self.call(p, wf, auth: "Bearer \(key)").status == 200)
        let keyID = try #require(try c.get("/api/api-keys").json?.array?.first?["id"]?.string)
        #expect(try c.delete("/api/api-keys/\(keyID)").status == 200)
        AccountExpect.error(try Self.call(p, wf, auth: "Bearer \(key)"), 401, "Invalid API key")
    }

    @Test func noAcknowledgedExecutionIsLostToASIGKILL() throws {
        let first = try ServerProcess()
        let p = first.port
        let (c, key, wf) = try Self.setUp(p)
        let acknowledged = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
        let group = DispatchGroup()
        for _ in 0..<8 {
            group.enter()
            Thread.detachNewThread {
                while !stop.load(ordering: .relaxed) {
                    guard let r = try? Self.call(p, wf, auth: "Bearer \(key)"), r.status == 200,
                          let id = r.json?["executionId"]?.string else { continue }
                    acknowledged.withLock { $0.append(id) }
                }
                group.leave()
            }
        }
        #expect(eventually(timeout: 20) { acknowledged.withLock { $0.count } >= 300 })
        first.kill()
        stop.store(true, ordering: .relaxed)
        group.wait()
        _ = first.waitForExit(timeout: 5)
        let ids = acknowledged.withLock { $0 }
        let second = try ServerProcess(flags: ["--data-dir", first.dataDir])
        let db = try Store.Database.openReader(path: first.dataDir + "/orchestrator.db")
        var missing: [String] = []
        for id in ids where try DBFiles.text(db, "SELECT status FROM executions WHERE id = ?", [.text(id)]) == nil { missing.append(id) }
        #expect(missing.isEmpty, "\(missing.count) of \(ids.count) acknowledged executions lost")
        let running = try DBFiles.int(db, "SELECT count(*) FROM executions WHERE status = 'running'")
        #expect(running == 0, "every interrupted run was marked")
        _ = second
        _ = c
    }
}

import Store
