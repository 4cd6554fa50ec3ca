// Handlers of SPEC §2.3 and §3.3. Small bodies are handled on the event loop with its reader; bodies or stored graphs
// over `inlineBodyLimit` (graphs of thousands of nodes) are parsed and validated on the work pool with a pooled reader.
import Domain
import HTTP
import HTTPCore
import System
import JSON
import Log
import Services
import Store

extension API {
    static let inlineBodyLimit = 256 * 1024
    static let successBody: [UInt8] = Array("{\"success\":true}".utf8)

    /// The caller's summaries, written straight from SQLite's column buffers into the response.
    func listWorkflows(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        var out: [UInt8] = []
        out.reserveCapacity(16384)
        out.append(UInt8(ascii: "["))
        var first = true
        typealias C = Workflows.SummaryColumn
        try services.workflows.eachSummary(owner: s.user.id, db: reader(req)) { row in
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: "{\"id\":".utf8); API.appendText(row, C.id, to: &out)
            out.append(contentsOf: ",\"name\":".utf8); API.appendText(row, C.name, to: &out)
            out.append(contentsOf: ",\"description\":".utf8); API.appendText(row, C.description, to: &out)
            out.append(contentsOf: ",\"visibility\":".utf8); API.appendText(row, C.visibility, to: &out)
            out.append(contentsOf: ",\"createdAt\":\"".utf8); ISO8601.append(milliseconds: row.int(C.createdAt), to: &out)
            out.append(contentsOf: "\",\"updatedAt\":\"".utf8); ISO8601.append(milliseconds: row.int(C.updatedAt), to: &out)
            out.append(contentsOf: "\"}".utf8)
        }
        out.append(UInt8(ascii: "]"))
        return Response.json(out)
    }

    /// A TEXT column as a JSON string (`null` for NULL).
    static func appendText(_ row: Row, _ i: Int, to out: inout [UInt8]) {
        row.withUTF8(i) { bytes in
            if let bytes { JSONWriter.appendString(utf8: bytes, to: &out) } else { out.append(contentsOf: "null".utf8) }
        }
    }

    func createWorkflow(_ req: inout Request) throws -> Response {
        let owner = try requireSession(&req).user.id
        let request = req
        let workflows = services.workflows
        let create: @Sendable (Database) throws -> Pending<WorkflowRow> = { db in
            try workflows.create(request.jsonObject(), owner: owner, db: db)
        }
        let created: @Sendable (WorkflowRow) -> Response = { w in Response.json(w.json(isOwner: true), status: .created) }
        if req.body.count <= API.inlineBodyLimit { return Response.later(try create(reader(req)), created) }
        let storage = services.storage
        return Response.offload(on: work, { try storage.read(create) }, created)
    }

    func getWorkflow(_ req: inout Request) throws -> Response {
        let viewer = try optionalSession(&req)?.user.id
        let (w, isOwner) = try services.workflows.visible(WorkflowID(req.parameter("workflowId") ?? ""), viewer: viewer, db: reader(req))
        if isOwner { return Response.json(w.json(isOwner: true)) }
        if let nodes = services.workflows.cachedPublicNodes(of: w) {
            return Response.json(w.json(isOwner: false, nodesOverride: nodes))
        }
        // Sanitising parses the stored graph: a big one is parsed off the event loop.
        let workflows = services.workflows
        let sanitized: @Sendable () throws -> Response = {
            Response.json(w.json(isOwner: false, nodesOverride: try workflows.publicNodes(of: w)))
        }
        return w.graphBytes <= API.inlineBodyLimit ? try sanitized() : Response.offload(on: work, sanitized)
    }

    func patchWorkflow(_ req: inout Request) throws -> Response {
        let owner = try requireSession(&req).user.id
        let id = WorkflowID(req.parameter("workflowId") ?? "")
        let current = try services.workflows.owned(id, owner: owner, db: reader(req))
        let request = req
        let workflows = services.workflows
        let patch: @Sendable (Database) throws -> Pending<WorkflowRow> = { db in
            try workflows.patch(id, owner: owner, body: { try request.jsonObject() }, db: db)
        }
        let patched: @Sendable (WorkflowRow) -> Response = { w in Response.json(w.json(isOwner: true)) }
        if req.body.count <= API.inlineBodyLimit && current.graphBytes <= API.inlineBodyLimit {
            return Response.later(try patch(reader(req)), patched)
        }
        let storage = services.storage
        return Response.offload(on: work, { try storage.read(patch) }, patched)
    }

    func deleteWorkflow(_ req: inout Request) throws -> Response {
        let owner = try requireSession(&req).user.id
        let pending = services.workflows.delete(WorkflowID(req.parameter("workflowId") ?? ""), owner: owner)
        return Response.later(pending) { Response.json(API.successBody) }
    }

    func duplicateWorkflow(_ req: inout Request) throws -> Response {
        let caller = try requireSession(&req).user.id
        _ = try req.jsonObject(optional: true)
        let workflows = services.workflows
        let source = try workflows.duplicable(WorkflowID(req.parameter("workflowId") ?? ""), caller: caller, db: reader(req))
        let duplicate: @Sendable () throws -> Pending<WorkflowRow> = { try workflows.duplicate(source, owner: caller) }
        let created: @Sendable (WorkflowRow) -> Response = { w in Response.json(w.json(isOwner: true), status: .created) }
        if source.graphBytes <= API.inlineBodyLimit { return Response.later(try duplicate(), created) }
        return Response.offload(on: work, duplicate, created)
    }

    func listActions(_ req: inout Request) throws -> Response {
        Response.json(ActionCatalog.json)
    }
}
