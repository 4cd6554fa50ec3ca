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

    /// Runs `work` inline with the loop's reader, or, for a large graph, on the large-graph pool with a pooled
    /// reader (parsing megabytes of JSON on the loop would hold up every other connection of it).
    func withReader(_ req: Request, large: Bool, _ work: @escaping @Sendable (Database) throws -> Response) throws -> Response {
        if !large { return try work(reader(req)) }
        let storage = services.storage
        return Response.offload(on: largeWork) { try storage.read(work) }
    }

    /// As `withReader`, for work that ends in a group commit answered with `encode`.
    func withReader<T: Sendable>(_ req: Request, large: Bool, _ work: @escaping @Sendable (Database) throws -> Pending<T>,
                                 _ encode: @escaping @Sendable (T) throws -> Response) throws -> Response {
        if !large { return Response.later(try work(reader(req)), encode) }
        let storage = services.storage
        return Response.offload(on: largeWork, { try storage.read(work) }, encode)
    }

    func createWorkflow(_ req: inout Request) throws -> Response {
        let owner = try requireSession(&req).user.id
        let request = req
        let workflows = services.workflows
        return try withReader(req, large: req.body.count > API.inlineBodyLimit, { db in
            try workflows.create(request.jsonObject(), owner: owner, db: db)
        }, { w in Response.json(w.json(isOwner: true), status: .created) })
    }

    func getWorkflow(_ req: inout Request) throws -> Response {
        let viewer = try optionalSession(&req)?.user.id
        let id = WorkflowID(req.parameter("workflowId") ?? "")
        let workflows = services.workflows
        // The head first: a large graph is loaded, sanitised and rendered off the loop, never here.
        let head = try workflows.visibleHead(id, viewer: viewer, db: reader(req))
        return try withReader(req, large: head.graphBytes > API.inlineBodyLimit) { db in
            let (w, isOwner) = try workflows.visible(id, viewer: viewer, db: db)
            if isOwner { return Response.json(w.json(isOwner: true)) }
            return Response.json(w.json(isOwner: false, nodesOverride: try workflows.publicNodes(of: w)))
        }
    }

    func patchWorkflow(_ req: inout Request) throws -> Response {
        let owner = try requireSession(&req).user.id
        let id = WorkflowID(req.parameter("workflowId") ?? "")
        let workflows = services.workflows
        let head = try workflows.ownedHead(id, owner: owner, db: reader(req))
        let request = req
        let large = req.body.count > API.inlineBodyLimit || head.graphBytes > API.inlineBodyLimit
        return try withReader(req, large: large, { db in
            try workflows.patch(id, owner: owner, body: { try request.jsonObject() }, db: db)
        }, { w in Response.json(w.json(isOwner: true)) })
    }

    func deleteWorkflow(_ req: inout Request) throws -> Response {
        let owner = try requireSession(&req).user.id
        let pending = services.workflows.delete(WorkflowID(req.parameter("workflowId") ?? ""), owner: owner)
        return Response.later(pending) { Response.json(API.successBody) }
    }

    func duplicateWorkflow(_ req: inout Request) throws -> Response {
        let caller = try requireSession(&req).user.id
        _ = try req.jsonObject(optional: true)
        let id = WorkflowID(req.parameter("workflowId") ?? "")
        let workflows = services.workflows
        let head = try workflows.visibleHead(id, viewer: caller, db: reader(req))
        return try withReader(req, large: head.graphBytes > API.inlineBodyLimit, { db in
            try workflows.duplicate(workflows.duplicable(id, caller: caller, db: db), owner: caller)
        }, { w in Response.json(w.json(isOwner: true), status: .created) })
    }

    func listActions(_ req: inout Request) throws -> Response {
        Response.json(ActionCatalog.json)
    }
}
