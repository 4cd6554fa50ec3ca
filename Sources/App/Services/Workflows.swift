// Workflows (SPEC §2.3): rows, summaries, create/patch/duplicate rules and their queries. Reads run on the caller's
// reader; writes are group-commit units. Pure logic otherwise; any thread.
import Foundation
import Crypto
import JSON
import Log
import Store

/// A workflow row; nodes and edges stay as the compact JSON text we stored.
struct WorkflowRow: Sendable {
    let id: String
    let userID: String
    var name: String
    var description: String?
    var visibility: String
    var nodesText: String
    var edgesText: String
    let createdAt: Int64
    var updatedAt: Int64

    static let columns = "id, user_id, name, description, visibility, nodes, edges, created_at, updated_at"

    /// Size of the stored graph text, to decide whether handling it belongs off the event loop.
    var graphBytes: Int { nodesText.utf8.count + edgesText.utf8.count }

    init(row: Row) {
        id = row.text(0)
        userID = row.text(1)
        name = row.text(2)
        description = row.optionalText(3)
        visibility = row.text(4)
        nodesText = row.text(5)
        edgesText = row.text(6)
        createdAt = row.int(7)
        updatedAt = row.int(8)
    }

    init(id: String, userID: String, name: String, description: String?, visibility: String, nodesText: String,
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

    /// The `Workflow` object. `nodesOverride` replaces the stored nodes (public sanitisation).
    func json(isOwner: Bool, nodesOverride: String? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + nodesText.utf8.count + edgesText.utf8.count)
        out.append(contentsOf: "{\"id\":".utf8); JSONWriter.appendString(id, to: &out)
        out.append(contentsOf: ",\"name\":".utf8); JSONWriter.appendString(name, to: &out)
        out.append(contentsOf: ",\"description\":".utf8); JSONWriter.appendNullableString(description, to: &out)
        out.append(contentsOf: ",\"userId\":".utf8); JSONWriter.appendString(userID, to: &out)
        out.append(contentsOf: ",\"visibility\":".utf8); JSONWriter.appendString(visibility, to: &out)
        out.append(contentsOf: ",\"nodes\":".utf8); out.append(contentsOf: (nodesOverride ?? nodesText).utf8)
        out.append(contentsOf: ",\"edges\":".utf8); out.append(contentsOf: edgesText.utf8)
        out.append(contentsOf: ",\"createdAt\":\"".utf8); ISO8601.append(milliseconds: createdAt, to: &out)
        out.append(contentsOf: "\",\"updatedAt\":\"".utf8); ISO8601.append(milliseconds: updatedAt, to: &out)
        out.append(contentsOf: "\",\"isOwner\":".utf8); out.append(contentsOf: (isOwner ? "true" : "false").utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

enum Workflows {
    // MARK: - Reads

    static func get(id: String, db: Database) throws -> WorkflowRow? {
        try db.queryOne("SELECT \(WorkflowRow.columns) FROM workflows WHERE id = ?", [.text(id)]) { WorkflowRow(row: $0) }
    }

    /// The caller's summaries, `updatedAt` desc, written straight to JSON.
    static func listJSON(userID: String, db: Database) throws -> [UInt8] {
        let statement = try db.cached("""
            SELECT id, name, description, visibility, created_at, updated_at FROM workflows
            WHERE user_id = ? ORDER BY updated_at DESC, id DESC
            """)
        defer { statement.reset() }
        try statement.bind([.text(userID)])
        var out: [UInt8] = []
        out.reserveCapacity(16384)
        out.append(UInt8(ascii: "["))
        var first = true
        while try statement.step() {
            let row = statement.row
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            // Column text goes straight from SQLite's buffer into the response: no String per field.
            out.append(contentsOf: "{\"id\":".utf8); Workflows.appendText(row, 0, to: &out)
            out.append(contentsOf: ",\"name\":".utf8); Workflows.appendText(row, 1, to: &out)
            out.append(contentsOf: ",\"description\":".utf8); Workflows.appendText(row, 2, to: &out)
            out.append(contentsOf: ",\"visibility\":".utf8); Workflows.appendText(row, 3, to: &out)
            out.append(contentsOf: ",\"createdAt\":\"".utf8); ISO8601.append(milliseconds: row.int(4), to: &out)
            out.append(contentsOf: "\",\"updatedAt\":\"".utf8); ISO8601.append(milliseconds: row.int(5), to: &out)
            out.append(contentsOf: "\"}".utf8)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// A TEXT column as a JSON string (`null` for NULL).
    static func appendText(_ row: Row, _ i: Int, to out: inout [UInt8]) {
        row.withUTF8(i) { bytes in
            if let bytes { JSONWriter.appendString(utf8: bytes, to: &out) } else { out.append(contentsOf: "null".utf8) }
        }
    }

    /// 403 when an integration referenced by `nodes` exists and belongs to someone else (unknown ids are allowed).
    static func checkIntegrationOwnership(_ nodes: [JSON], userID: String, db: Database, message: String) throws {
        for id in WorkflowGraph.integrationIDs(nodes) {
            if let owner = try db.queryOne("SELECT user_id FROM integrations WHERE id = ?", [.text(id)], { $0.text(0) }),
               owner != userID {
                throw APIError.forbidden(message)
            }
        }
    }

    // MARK: - Field rules (SPEC §2.2, after the graph rules)

    /// `name` when present: a non-blank string ≤ 200 scalars. Returns nil when absent and not required.
    static func validateName(_ value: JSON?, required: Bool) throws -> String? {
        switch value {
        case nil, .null?:
            if required { throw APIError.badRequest("Name is required") }
            return nil
        case .string(let s)?:
            guard !s.trimmed.isEmpty else { throw APIError.badRequest("Name is required") }
            guard s.scalarCount <= 200 else { throw APIError.badRequest("Name must be at most 200 characters") }
            return s
        default:
            throw APIError.badRequest("name must be a string")
        }
    }

    /// `description`: absent (nil), null (.some(nil)), or a string ≤ 2,000 scalars.
    static func validateDescription(_ value: JSON?) throws -> String?? {
        switch value {
        case nil: return nil
        case .null?: return .some(nil)
        case .string(let s)?:
            guard s.scalarCount <= 2000 else { throw APIError.badRequest("Description must be at most 2000 characters") }
            return .some(s)
        default:
            throw APIError.badRequest("description must be a string")
        }
    }

    static func validateVisibility(_ value: JSON?) throws -> String? {
        guard let value else { return nil }
        guard case .string(let v) = value, v == "private" || v == "public" else {
            throw APIError.badRequest("Invalid visibility value. Must be 'private' or 'public'")
        }
        return v
    }

    // MARK: - Writes

    static func insert(_ w: WorkflowRow, db: Database) throws {
        try db.run("""
            INSERT INTO workflows (id, user_id, name, description, visibility, nodes, edges, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(w.id), .text(w.userID), .text(w.name), w.description.map { .text($0) } ?? .null, .text(w.visibility),
                  .text(w.nodesText), .text(w.edgesText), .int(w.createdAt), .int(w.updatedAt)])
    }

    static func update(_ w: WorkflowRow, db: Database) throws {
        try db.run("""
            UPDATE workflows SET name = ?, description = ?, visibility = ?, nodes = ?, edges = ?, updated_at = ?
            WHERE id = ? AND user_id = ?
            """, [.text(w.name), w.description.map { .text($0) } ?? .null, .text(w.visibility), .text(w.nodesText),
                  .text(w.edgesText), .int(w.updatedAt), .text(w.id), .text(w.userID)])
    }

    static func count(userID: String, db: Database) throws -> Int {
        Int(try db.queryOne("SELECT count(*) FROM workflows WHERE user_id = ?", [.text(userID)]) { $0.int(0) } ?? 0)
    }

    /// `base`, or `base 2`, `base 3`, … — the first the user does not already have.
    /// SQLite's `substr` counts characters (code points) in TEXT, not bytes.
    static func freeName(_ base: String, userID: String, db: Database) throws -> String {
        let taken = Set(try db.query("SELECT name FROM workflows WHERE user_id = ? AND substr(name, 1, ?) = ?",
                                     [.text(userID), .int(Int64(base.unicodeScalars.count)), .text(base)]) { $0.text(0) })
        if !taken.contains(base) { return base }
        var n = 2
        while taken.contains("\(base) \(n)") { n += 1 }
        return "\(base) \(n)"
    }

    // MARK: - Transformations

    /// Public sanitisation: every node's `data.config.integrationId` removed; nothing else changes.
    static func sanitizedNodes(_ nodesText: String) -> String {
        guard case .array(let nodes)? = try? JSON.parse(nodesText) else { return nodesText }
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

    /// Replaces `{{@<old>:` with `{{@<new>:` for every id in `map`.
    static func rewriteTemplateString(_ s: String, _ map: [String: String]) -> String {
        var out = ""
        var rest = s[...]
        while let r = rest.range(of: "{{@") {
            out += rest[..<r.upperBound]
            rest = rest[r.upperBound...]
            if let colon = rest.firstIndex(of: ":") {
                let id = String(rest[..<colon])
                if !id.contains("}"), let fresh = map[id] {
                    out += fresh
                    rest = rest[colon...]
                }
            }
        }
        out += rest
        return out
    }
}
