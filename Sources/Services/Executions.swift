// Executions (SPEC §5, §6): starting runs (admission, trigger output, the snapshot row committed before the answer),
// listing with a (startedAt, id) cursor, deleting finished ones, node statuses, logs, cancellation, and the
// interruption of runs at start-up (crash recovery) and shutdown. Thread-safe.
import Crypto
import Domain
import Engine
import Expressions
import JSON
import Log
import Store

/// An execution row as the API shows it (`input`/`output` stay the JSON text we stored).
public struct ExecutionRow: Sendable {
    public let id: ExecutionID
    public let workflowID: WorkflowID
    public let status: String
    public let inputText: String
    public let outputText: String?
    public let error: String?
    public let startedAt: Int64
    public let completedAt: Int64?
    public let durationMs: Int64?

    static let columns = "e.id, e.workflow_id, e.status, e.input, e.output, e.error, e.started_at, e.completed_at, e.duration_ms"

    init(row: Row) {
        id = ExecutionID(row.text(0)); workflowID = WorkflowID(row.text(1)); status = row.text(2); inputText = row.text(3)
        outputText = row.optionalText(4); error = row.optionalText(5); startedAt = row.int(6)
        completedAt = row.optionalInt(7); durationMs = row.optionalInt(8)
    }
}

/// A log row as the API shows it.
public struct LogRow: Sendable {
    public let id: String
    public let nodeID: String
    public let nodeName: String
    public let nodeType: String
    public let status: String
    public let inputText: String?
    public let outputText: String?
    public let error: String?
    public let startedAt: Int64
    public let completedAt: Int64?
    public let durationMs: Int64?
}

public final class Executions: Sendable {
    public static let defaultLimit = 50
    let storage: Storage
    let engine: Engine
    let integrations: Integrations
    let clock: @Sendable () -> Int64
    let logger: Logger?

    public init(storage: Storage, engine: Engine, integrations: Integrations, clock: @escaping @Sendable () -> Int64,
                logger: Logger?) {
        self.storage = storage
        self.engine = engine
        self.integrations = integrations
        self.clock = clock
        self.logger = logger
    }

    // MARK: - Starting

    /// `POST /api/workflows/{id}/execute`: checks (SPEC §6 order), admission (503 past the unfinished-run limit), the
    /// execution row committed, then the run started. Parses the graph: slow for large ones.
    public func execute(_ id: WorkflowID, caller: UserID, body: JSON, db: Database) throws -> Pending<ExecutionID> {
        guard let w = try Workflows.get(id: id, db: db), w.userID == caller || w.visibility == "public" else {
            throw AppError.notFound("Workflow not found")
        }
        guard w.userID == caller else { throw AppError.forbidden("Forbidden") }
        var input: JSON = .object([])
        switch body["input"] {
        case nil, .null?: break
        case .object?: input = body["input"]!
        default: throw AppError.badRequest("input must be a JSON object")
        }
        guard case .array(let nodes) = try JSON.parse(w.nodesText), case .array(let edges) = try JSON.parse(w.edgesText) else {
            throw AppError.internalError("stored workflow \(id) is not a graph")
        }
        guard let trigger = nodes.first(where: { $0.nodeKind == "trigger" }) else {
            throw AppError.badRequest("Workflow has no trigger node")
        }
        let references = WorkflowGraph.integrationIDs(nodes)
        for integration in references {
            if let other = try db.queryOne("SELECT user_id FROM integrations WHERE id = ?", [.text(integration)], { $0.text(0) }),
               other != caller.raw {
                throw AppError.forbidden("Workflow contains invalid integration references")
            }
        }
        let now = clock()
        let (triggerInput, triggerOutput) = Executions.manualTrigger(trigger, input: input, now: now)
        let linked = try integrations(references, owner: w.userID, db: db)
        return try start(workflow: w, nodes: nodes, edges: edges, kind: "manual", input: triggerInput, output: triggerOutput,
                         now: now, secrets: linked.secrets, integrations: linked.byID).map(\.executionID)
    }

    /// The owner's integrations among `ids`, decrypted (nil config when one does not decrypt: its step then fails
    /// with the decryption message), and their secret values (SPEC §10 by value).
    func integrations(_ ids: Set<String>, owner: UserID, db: Database) throws -> (secrets: [String], byID: [String: ResolvedIntegration]) {
        var secrets: [String] = []
        var byID: [String: ResolvedIntegration] = [:]
        for id in ids.sorted() {
            guard let row = try Integrations.get(id: IntegrationID(id), userID: owner, db: db) else { continue }
            if let loaded = try? integrations.loadDecrypted(id: IntegrationID(id), userID: owner, db: db) {
                secrets.append(contentsOf: loaded.secrets)
                byID[id] = ResolvedIntegration(type: row.type, config: loaded.config)
            } else {
                byID[id] = ResolvedIntegration(type: row.type, config: nil)
            }
        }
        return (secrets, byID)
    }

    /// Inserts the execution row and, once it is durable, starts the run. 503 "Server busy" past the limit. With an
    /// idempotency key (webhooks), the key's row goes in the same unit, and a key seen for this workflow in the last
    /// 24 h answers with its first execution instead (nothing new starts).
    func start(workflow w: WorkflowRow, nodes: [JSON], edges: [JSON], kind: String, input: JSON, output: JSON,
               now: Int64, secrets: [String], integrations: [String: ResolvedIntegration] = [:],
               idempotency: (key: String, workflow: WorkflowID)? = nil) throws -> Pending<WebhookOutcome> {
        guard engine.admit() else { throw AppError.busy }
        let id = ExecutionID(RandomID.make(prefix: "exec_"))
        let inputText = Redactor(secrets: secrets).redact(input).text   // nothing is stored unredacted (SPEC §10)
        let engine = self.engine
        let request = RunRequest(executionID: id, workflowID: w.id, owner: w.userID, nodes: nodes, edges: edges, trigger: kind,
                                 triggerInput: input, triggerOutput: output, startedAt: now, secrets: secrets,
                                 integrations: integrations)
        let window = Webhooks.idempotencyWindowMs
        let commit = Pending<WebhookOutcome>.commit(storage.writer) { db in
            if let idem = idempotency {
                try db.run("DELETE FROM webhook_idempotency WHERE workflow_id = ? AND key = ? AND created_at <= ?",
                           [.text(idem.workflow.raw), .text(idem.key), .int(now - window)])
                if let first = try db.queryOne("SELECT execution_id FROM webhook_idempotency WHERE workflow_id = ? AND key = ?",
                                               [.text(idem.workflow.raw), .text(idem.key)], { $0.text(0) }) {
                    if let status = try db.queryOne("SELECT status FROM executions WHERE id = ?", [.text(first)], { $0.text(0) }) {
                        return WebhookOutcome(executionID: ExecutionID(first), status: status, replayed: true)
                    }
                    // Its execution was deleted since: the key starts afresh.
                    try db.run("DELETE FROM webhook_idempotency WHERE workflow_id = ? AND key = ?", [.text(idem.workflow.raw), .text(idem.key)])
                }
            }
            try db.run("""
                INSERT INTO executions (id, workflow_id, user_id, status, trigger_kind, input, nodes, edges, started_at)
                VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)
                """, [.text(id.raw), .text(w.id.raw), .text(w.userID.raw), .text(kind), .text(inputText), .text(w.nodesText),
                      .text(w.edgesText), .int(now)])
            if let idem = idempotency {
                try db.run("INSERT INTO webhook_idempotency (workflow_id, key, execution_id, created_at) VALUES (?, ?, ?, ?)",
                           [.text(idem.workflow.raw), .text(idem.key), .text(id.raw), .int(now)])
            }
            return WebhookOutcome(executionID: id, status: "running", replayed: false)
        }
        return Pending { abandoned, done in
            commit.run(abandoned: abandoned) { result in
                switch result {
                case .success(let outcome):
                    if outcome.replayed { engine.release() } else { engine.start(request) }
                    done(.success(outcome))
                case .failure(let e):
                    engine.release()
                    done(.failure(e))
                }
            }
        }
    }

    /// SPEC §3.1 for a run started by hand: the trigger's log input and its output. A Webhook workflow run with `{}`
    /// uses its `webhookMockRequest`; a Schedule workflow gets `scheduledFor` (now, to the minute) and its time zone.
    static func manualTrigger(_ trigger: JSON, input given: JSON, now: Int64) -> (input: JSON, output: JSON) {
        var input = given
        let config = trigger.nodeConfig ?? .object([])
        var output: [(key: String, value: JSON)] = [("triggered", .bool(true)), ("timestamp", .int(now))]
        switch trigger.triggerType {
        case "Webhook":
            if case .object(let m) = input, m.isEmpty, let mock = config["webhookMockRequest"]?.string,
               let parsed = try? JSON.parse(mock), parsed.isObject {
                input = parsed
            }
        case "Schedule":
            output.append(("scheduledFor", .string(ISO8601.format(milliseconds: now - now % 60_000))))
            output.append(("timezone", .string(config["scheduleTimezone"]?.string ?? "UTC")))
        default:
            break
        }
        // Input keys override `triggered` / `timestamp` on collision.
        for m in input.object ?? [] {
            if let k = output.firstIndex(where: { $0.key == m.key }) { output[k].value = m.value } else { output.append(m) }
        }
        return (input, .object(output))
    }

    // MARK: - Reading

    /// The owner's executions of a workflow, (startedAt desc, id desc), `limit` 1...200, after the `before` cursor.
    public func list(_ workflow: WorkflowID, owner: UserID, limit rawLimit: String?, before: String?,
                     db: Database) throws -> [ExecutionRow] {
        try ownWorkflow(workflow, owner: owner, db: db)
        var limit = Executions.defaultLimit
        if let rawLimit {
            guard let n = Int(rawLimit), (1...200).contains(n) else {
                throw AppError.badRequest("limit must be an integer between 1 and 200")
            }
            limit = n
        }
        if let before {
            guard let cursor = try db.queryOne("SELECT started_at, id FROM executions WHERE id = ? AND workflow_id = ?",
                                               [.text(before), .text(workflow.raw)], { ($0.int(0), $0.text(1)) }) else {
                throw AppError.badRequest("Invalid cursor")
            }
            return try db.query("""
                SELECT \(ExecutionRow.columns) FROM executions e
                WHERE e.workflow_id = ? AND (e.started_at < ? OR (e.started_at = ? AND e.id < ?))
                ORDER BY e.started_at DESC, e.id DESC LIMIT ?
                """, [.text(workflow.raw), .int(cursor.0), .int(cursor.0), .text(cursor.1), .int(Int64(limit))]) { ExecutionRow(row: $0) }
        }
        return try db.query("""
            SELECT \(ExecutionRow.columns) FROM executions e WHERE e.workflow_id = ?
            ORDER BY e.started_at DESC, e.id DESC LIMIT ?
            """, [.text(workflow.raw), .int(Int64(limit))]) { ExecutionRow(row: $0) }
    }

    /// Deletes the workflow's finished executions (and their logs, by cascade); running ones stay.
    public func deleteFinished(_ workflow: WorkflowID, owner: UserID, db: Database) throws -> Pending<Int> {
        try ownWorkflow(workflow, owner: owner, db: db)
        return Pending.commit(storage.writer) { db in
            try db.run("DELETE FROM executions WHERE workflow_id = ? AND status != 'running'", [.text(workflow.raw)])
        }
    }

    /// The execution's status and every trigger/action node's status: live from the engine while it runs here, else
    /// from its log rows (a node without one was skipped, or cancelled with its run).
    public func status(_ id: ExecutionID, caller: UserID, db: Database) throws -> (status: String, nodes: [(String, String)]) {
        guard let (status, nodesText) = try db.queryOne("""
            SELECT e.status, e.nodes FROM executions e JOIN workflows w ON w.id = e.workflow_id
            WHERE e.id = ? AND w.user_id = ?
            """, [.text(id.raw), .text(caller.raw)], { ($0.text(0), $0.text(1)) }) else {
            throw AppError.notFound("Execution not found")
        }
        if status == "running", let live = engine.nodeStatuses(id) {
            return (status, live.map { ($0.0, $0.1.rawValue) })
        }
        var logged: [String: String] = [:]
        for (node, s) in try db.query("SELECT node_id, status FROM execution_logs WHERE execution_id = ?", [.text(id.raw)],
                                      { ($0.text(0), $0.text(1)) }) {
            logged[node] = s
        }
        let fallback = status == "cancelled" ? "cancelled" : status == "running" ? "pending" : "skipped"
        var nodes: [(String, String)] = []
        if case .array(let list)? = try? JSON.parse(nodesText) {
            for n in list {
                guard let nid = n.nodeID, let kind = n.nodeKind, kind == "trigger" || kind == "action" else { continue }
                nodes.append((nid, logged[nid] ?? fallback))
            }
        }
        return (status, nodes)
    }

    /// The execution's log rows, `startedAt` asc, ties by insertion.
    public func logs(_ id: ExecutionID, caller: UserID, db: Database) throws -> [LogRow] {
        try ownExecution(id, caller: caller, db: db)
        return try db.query("""
            SELECT id, node_id, node_name, node_type, status, input, output, error, started_at, completed_at, duration_ms
            FROM execution_logs WHERE execution_id = ? ORDER BY started_at, seq
            """, [.text(id.raw)]) { r in
            LogRow(id: r.text(0), nodeID: r.text(1), nodeName: r.text(2), nodeType: r.text(3), status: r.text(4),
                   inputText: r.optionalText(5), outputText: r.optionalText(6), error: r.optionalText(7), startedAt: r.int(8),
                   completedAt: r.optionalInt(9), durationMs: r.optionalInt(10))
        }
    }

    // MARK: - Cancelling and interrupting

    /// Cancels a running execution (SPEC §5): the engine stops it first (nothing of it is written after), then the
    /// execution and its running log rows become `cancelled` in one unit. 409 when it is not running.
    public func cancel(_ id: ExecutionID, caller: UserID, db: Database) throws -> Pending<Void> {
        guard let status = try ownExecution(id, caller: caller, db: db), status == "running" else {
            throw AppError.conflict("Execution is not running")
        }
        engine.cancel(id)
        let now = clock()
        return Pending.commit(storage.writer) { db in
            guard try Executions.end(id, status: "cancelled", error: "Execution cancelled", now: now, db: db) else {
                throw AppError.conflict("Execution is not running")
            }
        }
    }

    /// At start-up, before listening: every `running` execution and log row becomes `error` "Interrupted by server
    /// restart" (SPEC §5 crash recovery). Blocks. Returns how many executions.
    @discardableResult
    public func recoverInterrupted() throws -> Int {
        let now = clock()
        return try storage.writer.sync { db in
            let ids = try db.query("SELECT id FROM executions WHERE status = 'running'", []) { $0.text(0) }
            for id in ids { _ = try Executions.end(ExecutionID(id), status: "error", error: "Interrupted by server restart", now: now, db: db) }
            // Log rows of executions already ended (a write that never came) end too.
            try db.run("""
                UPDATE execution_logs SET status = 'error', error = 'Interrupted by server restart', completed_at = ?,
                       duration_ms = max(0, ? - started_at)
                WHERE status = 'running'
                """, [.int(now), .int(now)])
            return ids.count
        }
    }

    /// Graceful shutdown: runs get up to `timeoutMs` to finish; the rest are marked `error` "Interrupted by server
    /// shutdown". Blocks. Returns how many were interrupted.
    @discardableResult
    public func drain(timeoutMs: Int) -> Int {
        let rest = engine.shutdown(timeoutMs: timeoutMs)
        guard !rest.isEmpty else { return 0 }
        let now = clock()
        do {
            try storage.writer.sync { db in
                for id in rest { _ = try Executions.end(id, status: "error", error: "Interrupted by server shutdown", now: now, db: db) }
            }
        } catch {
            logger?.error("marking interrupted runs failed", ["error": .string("\(error)")])
        }
        return rest.count
    }

    /// Ends a running execution and its running log rows with `status` and `error`; false when it was not running.
    static func end(_ id: ExecutionID, status: String, error: String, now: Int64, db: Database) throws -> Bool {
        let changed = try db.run("""
            UPDATE executions SET status = ?, error = ?, completed_at = ?, duration_ms = max(0, ? - started_at)
            WHERE id = ? AND status = 'running'
            """, [.text(status), .text(error), .int(now), .int(now), .text(id.raw)])
        guard changed > 0 else { return false }
        try db.run("""
            UPDATE execution_logs SET status = ?, error = ?, completed_at = ?, duration_ms = max(0, ? - started_at)
            WHERE execution_id = ? AND status = 'running'
            """, [.text(status), .text(error), .int(now), .int(now), .text(id.raw)])
        return true
    }

    // MARK: - Ownership

    private func ownWorkflow(_ id: WorkflowID, owner: UserID, db: Database) throws {
        guard try db.queryOne("SELECT 1 FROM workflows WHERE id = ? AND user_id = ?", [.text(id.raw), .text(owner.raw)],
                              { $0.int(0) }) != nil else {
            throw AppError.notFound("Workflow not found")
        }
    }

    /// The execution's status when its workflow belongs to `caller`, else 404 "Execution not found".
    @discardableResult
    private func ownExecution(_ id: ExecutionID, caller: UserID, db: Database) throws -> String? {
        guard let status = try db.queryOne("""
            SELECT e.status FROM executions e JOIN workflows w ON w.id = e.workflow_id WHERE e.id = ? AND w.user_id = ?
            """, [.text(id.raw), .text(caller.raw)], { $0.text(0) }) else {
            throw AppError.notFound("Execution not found")
        }
        return status
    }
}
