// Helpers for the workflow suite: a spawned server with its database path, anonymous users (no scrypt, so cheap),
// graph builders and error expectations. Each object is used by one test thread.
import JSON
import Store
import Testing

/// A signed-in user of a `WorkflowServer`: its client (carrying the session cookie) and its user id.
struct WorkflowUser {
    let client: APIClient
    let id: String
}

/// One `orchestrator serve` process for a workflow test.
final class WorkflowServer {
    let process: ServerProcess

    init() throws { process = try ServerProcess() }

    var port: Int { process.port }
    var dbPath: String { process.dataDir + "/orchestrator.db" }

    /// A client without a session.
    func guest() -> APIClient { APIClient(port: port) }

    /// A fresh anonymous user.
    func user(sourceLocation: SourceLocation = #_sourceLocation) throws -> WorkflowUser {
        let c = APIClient(port: port)
        let r = try c.signInAnonymously()
        #expect(r.status == 200, "\(r.text)", sourceLocation: sourceLocation)
        let id = try #require(r.user?["id"]?.string, sourceLocation: sourceLocation)
        return WorkflowUser(client: c, id: id)
    }
}

enum WF {
    static let workflowKeys = ["id", "name", "description", "userId", "visibility", "nodes", "edges", "createdAt", "updatedAt",
                               "isOwner"]
    static let summaryKeys = ["id", "name", "description", "visibility", "createdAt", "updatedAt"]

    static func node(_ id: String, _ kind: String = "action", config: JSON? = nil, data extra: [(String, JSON)] = [],
                     keys: [(String, JSON)] = []) -> JSON {
        var data: JSON = ["type": .string(kind)]
        if let config { data.set("config", config) }
        for (k, v) in extra { data.set(k, v) }
        var n: JSON = ["id": .string(id), "data": data]
        for (k, v) in keys { n.set(k, v) }
        return n
    }

    static func trigger(_ id: String, _ triggerType: String = "Manual") -> JSON {
        node(id, "trigger", config: ["triggerType": .string(triggerType)])
    }

    static func edge(_ id: String, _ source: String, _ target: String) -> JSON {
        ["id": .string(id), "source": .string(source), "target": .string(target)]
    }

    /// A JSON error response: status, exact body and content type.
    static func expectError(_ r: APIResponse, _ status: Int, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.text == Expected.errorBody(message), sourceLocation: sourceLocation)
        #expect(r.header("Content-Type") == Expected.jsonType, sourceLocation: sourceLocation)
    }

    /// POST /api/workflows/create expecting 201; the created workflow.
    @discardableResult
    static func create(_ c: APIClient, _ body: JSON, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        let r = try c.post("/api/workflows/create", body)
        #expect(r.status == 201, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.header("Content-Type") == Expected.jsonType, sourceLocation: sourceLocation)
        return try #require(r.json, sourceLocation: sourceLocation)
    }

    static func id(_ w: JSON, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(w["id"]?.string, sourceLocation: sourceLocation)
    }

    /// GET /api/workflows/{id} expecting 200; the workflow.
    static func get(_ c: APIClient, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        let r = try c.get("/api/workflows/\(id)")
        #expect(r.status == 200, "\(r.text)", sourceLocation: sourceLocation)
        return try #require(r.json, sourceLocation: sourceLocation)
    }

    /// The caller's summaries.
    static func list(_ c: APIClient, sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSON] {
        let r = try c.get("/api/workflows")
        #expect(r.status == 200, "\(r.text)", sourceLocation: sourceLocation)
        return try #require(r.json?.array, sourceLocation: sourceLocation)
    }

    /// Server-made node/edge id: 21 chars of [A-Za-z0-9_-].
    static func isServerID(_ s: String?) -> Bool {
        guard let s else { return false }
        return s.unicodeScalars.count == 21 && s.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }

    /// Sends only a request head announcing `contentLength` body bytes and reads the answer (413 comes before any body).
    static func announce(_ port: Int, _ method: String, _ path: String, contentLength: Int, session: String?) throws -> HTTPResponse {
        var headers = ["Content-Type: application/json", "Content-Length: \(contentLength)"]
        if let session { headers.append("Cookie: orchestrator_session=\(session)") }
        let c = try RawClient(port: port)
        defer { c.close() }
        try c.send(Req.make(method, path, headers: headers))
        return try c.readResponse()
    }
}
