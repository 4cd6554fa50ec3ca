// Workflows (SPEC §2.3): rows, create/patch/duplicate/delete rules and their queries. Reads run on the caller's
// reader; writes are group-commit units. Parsing a large graph is slow: the caller decides where to run it
// (`WorkflowRow.graphBytes`). Thread-safe.
import Crypto
import Domain
import Expressions
import JSON
import Store

/// A workflow row; nodes and edges stay as the compact JSON text we stored.
public struct WorkflowRow: Sendable {
    public let id: WorkflowID
    public let userID: UserID
    public var name: String
    public var description: String?
    public var visibility: String
    public var nodesText: String
    public var edgesText: String
    public let createdAt: Int64
    public var updatedAt: Int64

    static let columns = "id, user_id, name, description, visibility, nodes, edges, created_at, updated_at"

    /// Size of the stored graph text, to decide whether handling it belongs off the event loop.
    public var graphBytes: Int { nodesText.utf8.count + edgesText.utf8.count }

    init(row: Row) {
        id = WorkflowID(row.text(0))
        userID = UserID(row.text(1))
        name = row.text(2)
        description = row.optionalText(3)
        visibility = row.text(4)
        nodesText = row.text(5)
        edgesText = row.text(6)
        createdAt = row.int(7)
        updatedAt = row.int(8)
    }

    init(id: WorkflowID, userID: UserID, name: String, description: String?, visibility: String, nodesText: String,
         edgesText: String, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.userID = userID
        self.name = name
        self.description = description
        self.visibility = visibility
        self.nodesText = nodesText
        self.edgesText = edgesText
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a request needs to know about a workflow before loading its graph.
public struct WorkflowHead: Sendable {
    public let id: WorkflowID
    public let userID: UserID
    public let visibility: String
    public let updatedAt: Int64
    /// UTF-8 size of the stored nodes and edges.
    public let graphBytes: Int
}

/// Workflow rules and storage.
public final class Workflows: Sendable {
    let storage: Storage
    let clock: @Sendable () -> Int64
    let publicNodesCache = PublicNodesCache(maxBytes: 64 << 20)

    public init(storage: Storage, clock: @escaping @Sendable () -> Int64) {
        self.storage = storage
        self.clock = clock
    }

    // MARK: - Reads

    /// The columns `eachSummary` hands over, in order.
    public enum SummaryColumn {
        public static let id = 0, name = 1, description = 2, visibility = 3, createdAt = 4, updatedAt = 5
    }

    /// Visits the owner's summaries, `updatedAt` desc, as raw rows (the list route copies column text straight
    /// into its response: no String per field).
    public func eachSummary(owner: UserID, db: Database, _ visit: (Row) throws -> Void) throws {
        let statement = try db.cached("""
            SELECT id, name, description, visibility, created_at, updated_at FROM workflows
            WHERE user_id = ? ORDER BY updated_at DESC, id DESC
            """)
        defer { statement.reset() }
        try statement.bind([.text(owner.raw)])
        while try statement.step() { try visit(statement.row) }
    }

    /// The head of the workflow `viewer` may see (their own, or anyone's public one); else 404 `"Workflow not found"`.
    public func visibleHead(_ id: WorkflowID, viewer: UserID?, db: Database) throws -> WorkflowHead {
        guard let h = try Workflows.head(id: id, db: db), h.userID == viewer || h.visibility == "public" else {
            throw AppError.notFound("Workflow not found")
        }
        return h
    }

    /// The head of any workflow (no ownership check: the webhook checks its key instead), or nil.
    public func head(of id: WorkflowID, db: Database) throws -> WorkflowHead? { try Workflows.head(id: id, db: db) }

    /// The head of the caller's own workflow; else 404 `"Workflow not found"`.
    public func ownedHead(_ id: WorkflowID, owner: UserID, db: Database) throws -> WorkflowHead {
        guard let h = try Workflows.head(id: id, db: db), h.userID == owner else { throw AppError.notFound("Workflow not found") }
        return h
    }

    /// The workflow as `viewer` may see it: their own, or anyone's public one; else 404 `"Workflow not found"`.
    public func visible(_ id: WorkflowID, viewer: UserID?, db: Database) throws -> (row: WorkflowRow, isOwner: Bool) {
        guard let w = try Workflows.get(id: id, db: db) else { throw AppError.notFound("Workflow not found") }
        if w.userID == viewer { return (w, true) }
        guard w.visibility == "public" else { throw AppError.notFound("Workflow not found") }
        return (w, false)
    }

    /// The caller's own workflow, else 404 `"Workflow not found"`.
    public func owned(_ id: WorkflowID, owner: UserID, db: Database) throws -> WorkflowRow {
        guard let w = try Workflows.get(id: id, db: db), w.userID == owner else { throw AppError.notFound("Workflow not found") }
        return w
    }

    /// The nodes a non-owner sees (integration ids removed), if already made for this version of the row.
    public func cachedPublicNodes(of row: WorkflowRow) -> String? {
        publicNodesCache.get(row.id, updatedAt: row.updatedAt)
    }

    /// The nodes a non-owner sees (integration ids removed). Parses the graph (slow for large ones) unless cached.
    /// Stored nodes that do not parse fail closed: 500, never the unsanitised text.
    public func publicNodes(of row: WorkflowRow) throws(AppError) -> String {
        if let cached = cachedPublicNodes(of: row) { return cached }
        guard let nodes = Workflows.sanitizedNodes(row.nodesText) else {
            throw AppError.internalError("stored nodes of workflow \(row.id) do not parse")
        }
        publicNodesCache.put(row.id, updatedAt: row.updatedAt, nodes: nodes)
        return nodes
    }

    // MARK: - Writes

    /// `POST /api/workflows/create`: validated (SPEC §2.2 order), normalised, a Manual trigger added when none, an
    /// "Untitled N" name for the default one. Parses the graph: slow for large bodies.
    public func create(_ body: JSON, owner: UserID, db: Database) throws -> Pending<WorkflowRow> {
        let (nodes, edges) = try WorkflowGraph.validate(nodes: body["nodes"] ?? .array([]), edges: body["edges"] ?? .array([]))
        let name = try Workflows.validateName(body["name"], required: true)!
        let description = try Workflows.validateDescription(body["description"]) ?? nil
        try Workflows.checkIntegrationOwnership(nodes, owner: owner, db: db)
        var finalNodes = WorkflowGraph.normalize(nodes)
        if !finalNodes.contains(where: { $0.nodeKind == "trigger" }) {
            finalNodes.insert(WorkflowGraph.defaultTrigger(id: RandomID.nodeID()), at: 0)
        }
        let now = clock()
        let draft = WorkflowRow(id: WorkflowID(RandomID.make(prefix: "wf_")), userID: owner, name: name, description: description,
                                visibility: "private", nodesText: JSON.array(finalNodes).text, edgesText: JSON.array(edges).text,
                                createdAt: now, updatedAt: now)
        return Pending.commit(storage.writer) { db in
            var w = draft
            if w.name == "Untitled Workflow" { w.name = "Untitled \(try Workflows.count(owner: owner, db: db) + 1)" }
            try Workflows.insert(w, db: db)
            return w
        }
    }

    /// `PATCH /api/workflows/{id}`: the row is read again here (it may have changed since the caller looked), the body
    /// decoded after that, every present field validated; `updatedAt` moves to max(now, previous + 1 ms).
    public func patch(_ id: WorkflowID, owner: UserID, body: () throws -> JSON, db: Database) throws -> Pending<WorkflowRow> {
        let existing = try owned(id, owner: owner, db: db)
        let body = try body()
        let nodesValue = try body["nodes"] ?? JSON.parse(existing.nodesText)
        let edgesValue = try body["edges"] ?? JSON.parse(existing.edgesText)
        let (nodes, edges) = try WorkflowGraph.validate(nodes: nodesValue, edges: edgesValue)
        let name = try Workflows.validateName(body["name"], required: false)
        let description = try Workflows.validateDescription(body["description"])
        let visibility = try Workflows.validateVisibility(body["visibility"])
        try Workflows.checkIntegrationOwnership(nodes, owner: owner, db: db)
        var row = existing
        if let name { row.name = name }
        if let description { row.description = description }
        if let visibility { row.visibility = visibility }
        if body["nodes"] != nil { row.nodesText = JSON.array(WorkflowGraph.normalize(nodes)).text }
        if body["edges"] != nil { row.edgesText = JSON.array(edges).text }
        row.updatedAt = max(clock(), existing.updatedAt + 1)
        let updated = row
        return Pending.commit(storage.writer) { db in
            try db.run("""
                UPDATE workflows SET name = ?, description = ?, visibility = ?, nodes = ?, edges = ?, graph_bytes = ?,
                                     updated_at = ?
                WHERE id = ? AND user_id = ?
                """, [.text(updated.name), updated.description.map { .text($0) } ?? .null, .text(updated.visibility),
                      .text(updated.nodesText), .text(updated.edgesText), .int(Int64(updated.graphBytes)),
                      .int(updated.updatedAt), .text(updated.id.raw), .text(updated.userID.raw)])
            guard db.changes > 0 else { throw AppError.notFound("Workflow not found") }
            return updated
        }
    }

    /// Deletes the caller's workflow; one statement, so the foreign keys cascade to executions, logs, ledger and
    /// idempotency rows atomically. 404 `"Workflow not found"` when there is none.
    public func delete(_ id: WorkflowID, owner: UserID) -> Pending<Void> {
        Pending.commit(storage.writer) { db in
            guard try db.run("DELETE FROM workflows WHERE id = ? AND user_id = ?", [.text(id.raw), .text(owner.raw)]) > 0 else {
                throw AppError.notFound("Workflow not found")
            }
        }
    }

    /// The workflow `caller` may duplicate: their own or a public one; else 404 `"Workflow not found"`.
    public func duplicable(_ id: WorkflowID, caller: UserID, db: Database) throws -> WorkflowRow {
        guard let source = try Workflows.get(id: id, db: db), source.userID == caller || source.visibility == "public" else {
            throw AppError.notFound("Workflow not found")
        }
        return source
    }

    /// A private copy of `source` for `owner` (SPEC §2.3 duplicate), named "<name> (Copy)" or the first free
    /// "<name> (Copy) N". Parses the graph: slow for large ones.
    public func duplicate(_ source: WorkflowRow, owner: UserID) throws -> Pending<WorkflowRow> {
        guard case .array(let nodes) = try JSON.parse(source.nodesText), case .array(let edges) = try JSON.parse(source.edgesText) else {
            throw AppError.internalError("stored workflow \(source.id) is not a graph")
        }
        let copy = Workflows.duplicateGraph(nodes: nodes, edges: edges)
        let now = clock()
        let draft = WorkflowRow(id: WorkflowID(RandomID.make(prefix: "wf_")), userID: owner, name: source.name,
                                description: source.description, visibility: "private", nodesText: JSON.array(copy.nodes).text,
                                edgesText: JSON.array(copy.edges).text, createdAt: now, updatedAt: now)
        return Pending.commit(storage.writer) { db in
            var w = draft
            w.name = try Workflows.freeName("\(source.name) (Copy)", owner: owner, db: db)
            try Workflows.insert(w, db: db)
            return w
        }
    }

    // MARK: - Queries

    static func head(id: WorkflowID, db: Database) throws -> WorkflowHead? {
        try db.queryOne("SELECT id, user_id, visibility, updated_at, graph_bytes FROM workflows WHERE id = ?", [.text(id.raw)]) { r in
            WorkflowHead(id: WorkflowID(r.text(0)), userID: UserID(r.text(1)), visibility: r.text(2), updatedAt: r.int(3),
                         graphBytes: Int(r.int(4)))
        }
    }

    static func get(id: WorkflowID, db: Database) throws -> WorkflowRow? {
        try db.queryOne("SELECT \(WorkflowRow.columns) FROM workflows WHERE id = ?", [.text(id.raw)]) { WorkflowRow(row: $0) }
    }

    /// 403 when an integration referenced by `nodes` exists and belongs to someone else (unknown ids are allowed).
    static func checkIntegrationOwnership(_ nodes: [JSON], owner: UserID, db: Database) throws {
        for id in WorkflowGraph.integrationIDs(nodes) {
            if let other = try db.queryOne("SELECT user_id FROM integrations WHERE id = ?", [.text(id)], { $0.text(0) }),
               other != owner.raw {
                throw AppError.forbidden("Invalid integration references in workflow")
            }
        }
    }

    static func insert(_ w: WorkflowRow, db: Database) throws {
        try db.run("""
            INSERT INTO workflows (id, user_id, name, description, visibility, nodes, edges, graph_bytes, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(w.id.raw), .text(w.userID.raw), .text(w.name), w.description.map { .text($0) } ?? .null,
                  .text(w.visibility), .text(w.nodesText), .text(w.edgesText), .int(Int64(w.graphBytes)), .int(w.createdAt),
                  .int(w.updatedAt)])
    }

    static func count(owner: UserID, db: Database) throws -> Int {
        Int(try db.queryOne("SELECT count(*) FROM workflows WHERE user_id = ?", [.text(owner.raw)]) { $0.int(0) } ?? 0)
    }

    /// `base`, or `base 2`, `base 3`, … — the first the user does not already have.
    /// SQLite's `substr` counts characters (code points) in TEXT, not bytes.
    static func freeName(_ base: String, owner: UserID, db: Database) throws -> String {
        let taken = Set(try db.query("SELECT name FROM workflows WHERE user_id = ? AND substr(name, 1, ?) = ?",
                                     [.text(owner.raw), .int(Int64(base.unicodeScalars.count)), .text(base)]) { $0.text(0) })
        if !taken.contains(base) { return base }
        var n = 2
        while taken.contains("\(base) \(n)") { n += 1 }
        return "\(base) \(n)"
    }

    // MARK: - Field rules (SPEC §2.2, after the graph rules)

    /// `name` when present: a non-blank string ≤ 200 scalars. Returns nil when absent and not required.
    static func validateName(_ value: JSON?, required: Bool) throws -> String? {
        switch value {
        case nil, .null?:
            if required { throw AppError.badRequest("Name is required") }
            return nil
        case .string(let s)?:
            guard !s.trimmed.isEmpty else { throw AppError.badRequest("Name is required") }
            guard s.scalarCount <= 200 else { throw AppError.badRequest("Name must be at most 200 characters") }
            return s
        default:
            throw AppError.badRequest("name must be a string")
        }
    }

    /// `description`: absent (nil), null (.some(nil)), or a string ≤ 2,000 scalars.
    static func validateDescription(_ value: JSON?) throws -> String?? {
        switch value {
        case nil: return nil
        case .null?: return .some(nil)
        case .string(let s)?:
            guard s.scalarCount <= 2000 else { throw AppError.badRequest("Description must be at most 2000 characters") }
            return .some(s)
        default:
            throw AppError.badRequest("description must be a string")
        }
    }

    static func validateVisibility(_ value: JSON?) throws -> String? {
        guard let value else { return nil }
        guard case .string(let v) = value, v == "private" || v == "public" else {
            throw AppError.badRequest("Invalid visibility value. Must be 'private' or 'public'")
        }
        return v
    }

    // MARK: - Transformations

    /// Public sanitisation: every node's `data.config.integrationId` removed; nothing else changes.
    static func sanitizedNodes(_ nodesText: String) -> String? {
        guard case .array(let nodes)? = try? JSON.parse(nodesText) else { return nil }
        return JSON.array(nodes.map(stripIntegration)).text
    }

    static func stripIntegration(_ node: JSON) -> JSON {
        guard var data = node["data"], var config = data["config"], config["integrationId"] != nil else { return node }
        config.remove("integrationId")
        data.set("config", config)
        var n = node
        n.set("data", data)
        return n
    }

    /// Duplicate (SPEC §2.3): new node and edge ids, remapped edges, `{{@old:` → `{{@new:` in every config string,
    /// integrationId stripped, status idle.
    static func duplicateGraph(nodes: [JSON], edges: [JSON]) -> (nodes: [JSON], edges: [JSON]) {
        var map: [String: String] = [:]
        for n in nodes { if let id = n.nodeID { map[id] = RandomID.nodeID() } }
        let newNodes = nodes.map { node -> JSON in
            var n = stripIntegration(node)
            if let id = n.nodeID, let fresh = map[id] { n.set("id", .string(fresh)) }
            if var data = n["data"], data.isObject {
                data.set("status", "idle")
                if let config = data["config"] { data.set("config", rewriteTemplates(config, map)) }
                n.set("data", data)
            }
            return n
        }
        let newEdges = edges.map { edge -> JSON in
            var e = edge
            e.set("id", .string(RandomID.nodeID()))
            if let s = e["source"]?.string, let m = map[s] { e.set("source", .string(m)) }
            if let t = e["target"]?.string, let m = map[t] { e.set("target", .string(m)) }
            return e
        }
        return (newNodes, newEdges)
    }

    static func rewriteTemplates(_ value: JSON, _ map: [String: String]) -> JSON {
        switch value {
        case .string(let s):
            guard s.contains("{{@") else { return value }
            return .string(rewriteTemplateString(s, map))
        case .array(let items):
            return .array(items.map { rewriteTemplates($0, map) })
        case .object(let members):
            return .object(members.map { ($0.key, rewriteTemplates($0.value, map)) })
        default:
            return value
        }
    }

    /// Replaces `{{@<old>:` with `{{@<new>:` for every id in `map` (the one template grammar, Expressions.Template).
    static func rewriteTemplateString(_ s: String, _ map: [String: String]) -> String {
        Template.rewrite(s) { ref in
            guard let fresh = map[ref.nodeID] else { return nil }
            return "{{@" + fresh + ":" + ref.labelPath + "}}"
        }
    }
}
