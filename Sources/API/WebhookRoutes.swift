// The webhook route (SPEC §7): any JSON body up to 10 MiB, no Content-Type check, a `wfb_` key; CORS on every response
// of the path (set as path headers, so errors, 404, 405 and 413 carry them too); the answer once the execution row is
// durable. Small graphs are checked on the loop, large ones on the large-graph pool.
import Domain
import HTTP
import HTTPCore
import JSON
import Services

extension API {
    static let webhookPattern = "/api/workflows/{workflowId}/webhook"
    static let corsHeaders: [(name: String, value: String)] = [
        ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "POST, OPTIONS"),
        ("Access-Control-Allow-Headers", "Content-Type, Authorization, Idempotency-Key"), ("Access-Control-Max-Age", "86400"),
    ]

    func webhook(_ req: inout Request) throws -> Response {
        let id = WorkflowID(req.parameter("workflowId") ?? "")
        let request = req
        let webhooks = services.webhooks
        let head = try services.workflows.head(of: id, db: reader(req))
        let large = (head?.graphBytes ?? 0) > API.inlineBodyLimit || req.body.count > API.inlineBodyLimit
        return try withReader(req, large: large, { db in
            try webhooks.trigger(id, authorization: request.headers["authorization"],
                                 idempotencyKey: request.headers["idempotency-key"], body: request.body, db: db)
        }, { outcome in
            var out: [UInt8] = Array("{\"executionId\":".utf8)
            JSONWriter.appendString(outcome.executionID.raw, to: &out)
            out.append(contentsOf: ",\"status\":".utf8)
            JSONWriter.appendString(outcome.status, to: &out)
            out.append(UInt8(ascii: "}"))
            var r = Response.json(out)
            if outcome.replayed { r.headers.append(("Idempotent-Replayed", "true")) }
            return r
        })
    }

    /// CORS preflight: 204 for any id, no auth.
    func webhookPreflight(_ req: inout Request) throws -> Response {
        Response(status: Status(204), headers: [], body: .empty)
    }
}
