// Handlers of SPEC §2.3 and §3.3. Small bodies are handled on the event loop with its reader; bodies over
// `inlineBodyLimit` (graphs of thousands of nodes) are parsed and validated on the work pool.
import Crypto
import HTTP
import JSON
import Store

extension Application {
    static let inlineBodyLimit = 256 * 1024
    static let successBody: [UInt8] = Array("{\"success\":true}".utf8)

    /// Runs `work` with a reader: inline on the loop for small bodies, else on the work pool with a pooled reader.
    func withReader(_ req: Request, _ work: @escaping @Sendable (Database) throws -> Response) throws -> Response {
        if req.body.count <= Application.inlineBodyLimit { return try work(storage.reader(loop: req.loopIndex)) }
        let storage = self.storage
        return Response.offload { try storage.read { db in try work(db) } }
    }

    /// Runs `work` inline for small stored graphs, on the work pool for large ones (parsing megabytes of JSON would
    /// hold up every other connection of the loop).
    static func inlineUnlessLarge(_ w: WorkflowRow, _ work: @escaping @Sendable () throws -> Response) rethrows -> Response {
        if w.graphBytes <= inlineBodyLimit { return try work() }
        return Response.offload(work)
    }

    func listWorkflows(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        return Response.json(try Workflows.listJSON(userID: s.user.id, db: storage.reader(loop: req.loopIndex)))
    }

    func createWorkflow(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let request = req
        let userID = s.user.id
        return try withReader(req) { db in
            let body = try request.jsonObject()
            let (nodes, edges) = try WorkflowGraph.validate(nodes: body["nodes"] ?? .array([]), edges: body["edges"] ?? .array([]))
            let name = try Workflows.validateName(body["name"], required: true)!
            let description = try Workflows.validateDescription(body["description"]) ?? nil
            try Workflows.checkIntegrationOwnership(nodes, userID: userID, db: db, message: "Invalid integration references in workflow")
            var finalNodes = WorkflowGraph.normalize(nodes)
            if !finalNodes.contains(where: { $0.nodeKind == "trigger" }) {
                finalNodes.insert(WorkflowGraph.defaultTrigger(id: RandomID.nodeID()), at: 0)
            }
            let now = self.now()
            let draft = WorkflowRow(id: RandomID.make(prefix: "wf_"), userID: userID, name: name, description: description,
                                  visibility: "private", nodesText: JSON.array(finalNodes).text, edgesText: JSON.array(edges).text,
                                  createdAt: now, updatedAt: now)
            return self.commit({ db in
                var w = draft
                if w.name == "Untitled Workflow" { w.name = "Untitled \(try Workflows.count(userID: userID, db: db) + 1)" }
                try Workflows.insert(w, db: db)
                return w
            }, { saved in Response.json(saved.json(isOwner: true), status: .created) })
        }
    }

    func getWorkflow(_ req: inout Request) throws -> Response {
        let viewer = try optionalSession(&req)
        guard let id = req.parameter("workflowId"),
              let w = try Workflows.get(id: id, db: storage.reader(loop: req.loopIndex)) else {
            throw APIError.notFound("Workflow not found")
        }
        if w.userID == viewer?.user.id { return Response.json(w.json(isOwner: true)) }
        guard w.visibility == "public" else { throw APIError.notFound("Workflow not found") }
        // Sanitising parses the stored graph: a big one is parsed off the event loop.
        return Application.inlineUnlessLarge(w) {
            Response.json(w.json(isOwner: false, nodesOverride: Workflows.sanitizedNodes(w.nodesText)))
        }
    }

    func patchWorkflow(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let request = req
        let userID = s.user.id
        let id = req.parameter("workflowId") ?? ""
        guard let current = try Workflows.get(id: id, db: storage.reader(loop: req.loopIndex)), current.userID == userID else {
            throw APIError.notFound("Workflow not found")
        }
        let large = req.body.count > Application.inlineBodyLimit || current.graphBytes > Application.inlineBodyLimit
        let storage = self.storage
        let patch: @Sendable (Database) throws -> Response = { db in
            // Re-read inside the work: when offloaded, the row may have changed since the check above.
            guard let existing = try Workflows.get(id: id, db: db), existing.userID == userID else {
                throw APIError.notFound("Workflow not found")
            }
            let body = try request.jsonObject()
            let nodesValue = try body["nodes"] ?? JSON.parse(existing.nodesText)
            let edgesValue = try body["edges"] ?? JSON.parse(existing.edgesText)
            let (nodes, edges) = try WorkflowGraph.validate(nodes: nodesValue, edges: edgesValue)
            let name = try Workflows.validateName(body["name"], required: false)
            let description = try Workflows.validateDescription(body["description"])
            let visibility = try Workflows.validateVisibility(body["visibility"])
            try Workflows.checkIntegrationOwnership(nodes, userID: userID, db: db, message: "Invalid integration references in workflow")
            var row = existing
            if let name { row.name = name }
            if let description { row.description = description }
            if let visibility { row.visibility = visibility }
            if body["nodes"] != nil { row.nodesText = JSON.array(WorkflowGraph.normalize(nodes)).text }
            if body["edges"] != nil { row.edgesText = JSON.array(edges).text }
            row.updatedAt = max(self.now(), existing.updatedAt + 1)
            let updated = row
            return self.commit({ db in
                try Workflows.update(updated, db: db)
                guard db.changes > 0 else { throw APIError.notFound("Workflow not found") }
            }, { _ in Response.json(updated.json(isOwner: true)) })
        }
        if !large { return try patch(storage.reader(loop: req.loopIndex)) }
        return Response.offload { try storage.read { db in try patch(db) } }
    }

    func deleteWorkflow(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let id = req.parameter("workflowId") ?? ""
        let userID = s.user.id
        // One statement: the foreign keys cascade to executions, logs, ledger and idempotency rows atomically.
        return commit({ db in
            try db.run("DELETE FROM workflows WHERE id = ? AND user_id = ?", [.text(id), .text(userID)])
        }, { deleted in
            guard deleted > 0 else { throw APIError.notFound("Workflow not found") }
            return Response.json(Application.successBody)
        })
    }

    func duplicateWorkflow(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        _ = try req.jsonObject(optional: true)
        let userID = s.user.id
        guard let id = req.parameter("workflowId"),
              let source = try Workflows.get(id: id, db: storage.reader(loop: req.loopIndex)),
              source.userID == userID || source.visibility == "public" else {
            throw APIError.notFound("Workflow not found")
        }
        let now = now()
        return try Application.inlineUnlessLarge(source) {
            guard case .array(let nodes) = try JSON.parse(source.nodesText), case .array(let edges) = try JSON.parse(source.edgesText) else {
                throw APIError.internalError("stored workflow \(id) is not a graph")
            }
            let copy = Workflows.duplicateGraph(nodes: nodes, edges: edges)
            let draft = WorkflowRow(id: RandomID.make(prefix: "wf_"), userID: userID, name: source.name, description: source.description,
                                    visibility: "private", nodesText: JSON.array(copy.nodes).text, edgesText: JSON.array(copy.edges).text,
                                    createdAt: now, updatedAt: now)
            return self.commit({ db in
                var w = draft
                w.name = try Workflows.freeName("\(source.name) (Copy)", userID: userID, db: db)
                try Workflows.insert(w, db: db)
                return w
            }, { saved in Response.json(saved.json(isOwner: true), status: .created) })
        }
    }

    func listActions(_ req: inout Request) throws -> Response {
        Response.json(ActionCatalog.json)
    }
}
