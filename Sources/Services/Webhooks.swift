// The webhook trigger (SPEC §7): the checks in the spec's order, a small cache of API keys by hash (cleared at once by a
// revoke), idempotency keys unique per (workflow, key) for 24 h, and the execution row (with its idempotency row) in one
// group-commit unit, answered once durable. Thread-safe; the checks run on the caller's thread with its reader.
import Crypto
import Domain
import Engine
import Expressions
import JSON
import Log
import Store
import Synchronization

/// What a webhook call started (or replayed).
public struct WebhookOutcome: Sendable {
    public let executionID: ExecutionID
    public let status: String
    /// True when an `Idempotency-Key` seen in the last 24 h answered with its first execution.
    public let replayed: Bool
}

public final class Webhooks: Sendable {
    static let idempotencyWindowMs: Int64 = 24 * 3600 * 1000
    static let maxCachedKeys = 10_000
    let storage: Storage
    let apiKeys: APIKeys
    let executions: Executions
    let clock: @Sendable () -> Int64
    /// API keys by SHA-256 hex, and a generation that a revoke bumps: a lookup that began before a revoke does not put
    /// the revoked key back.
    private let cache = Mutex<(keys: [String: APIKey], generation: Int)>(([:], 0))

    public init(storage: Storage, apiKeys: APIKeys, executions: Executions, clock: @escaping @Sendable () -> Int64) {
        self.storage = storage
        self.apiKeys = apiKeys
        self.executions = executions
        self.clock = clock
    }

    /// Forgets every cached key (after a revoke, before it is answered).
    public func keysChanged() {
        cache.withLock {
            $0.keys.removeAll()
            $0.generation += 1
        }
    }

    /// `POST /api/workflows/{id}/webhook`. `authorization` and `idempotencyKey` are the header values.
    public func trigger(_ id: WorkflowID, authorization: String?, idempotencyKey: String?, body: [UInt8],
                        db: Database) throws -> Pending<WebhookOutcome> {
        guard let w = try Workflows.get(id: id, db: db) else { throw AppError.notFound("Workflow not found") }
        guard let header = authorization else { throw AppError.unauthorized("Missing Authorization header") }
        var token = Substring(header).trimmingSpaces()
        if token.count > 7, token.prefix(7).lowercased() == "bearer " { token = token.dropFirst(7).trimmingSpaces() }
        guard token.hasPrefix("wfb_") else { throw AppError.unauthorized("Invalid API key format") }
        guard let key = try lookup(String(token), db: db) else { throw AppError.unauthorized("Invalid API key") }
        guard key.userID == w.userID else { throw AppError.forbidden("You do not have permission to run this workflow") }
        apiKeys.touch(key)
        guard case .array(let nodes) = try JSON.parse(w.nodesText), case .array(let edges) = try JSON.parse(w.edgesText) else {
            throw AppError.internalError("stored workflow \(id) is not a graph")
        }
        guard let trigger = nodes.first(where: { $0.nodeKind == "trigger" }), trigger.triggerType == "Webhook" else {
            throw AppError.badRequest("This workflow is not configured for webhook triggers")
        }
        let references = WorkflowGraph.integrationIDs(nodes)
        for integration in references {
            if let other = try db.queryOne("SELECT user_id FROM integrations WHERE id = ?", [.text(integration)], { $0.text(0) }),
               other != w.userID.raw {
                throw AppError.forbidden("Workflow contains invalid integration references")
            }
        }
        let input: JSON
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            input = .object([])
        } else {
            guard let parsed = try? JSON.parse(body) else { throw AppError.badRequest("Invalid JSON body") }
            input = parsed
        }
        if let k = idempotencyKey {
            guard (1...255).contains(k.utf8.count), k.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else {
                throw AppError.badRequest("Invalid Idempotency-Key header")
            }
        }
        let now = clock()
        var output: [(key: String, value: JSON)] = [("triggered", .bool(true)), ("timestamp", .int(now))]
        if case .object(let members) = input {
            for m in members {
                if let i = output.firstIndex(where: { $0.key == m.key }) { output[i].value = m.value } else { output.append(m) }
            }
        } else {
            output.append(("body", input))
        }
        let linked = try executions.integrations(references, owner: w.userID, db: db)
        return try executions.start(workflow: w, nodes: nodes, edges: edges, kind: "webhook", input: input, output: .object(output),
                                    now: now, secrets: linked.secrets, integrations: linked.byID,
                                    idempotency: idempotencyKey.map { (key: $0, workflow: id) })
    }

    /// The stored key whose plaintext is `plaintext`, through the cache.
    private func lookup(_ plaintext: String, db: Database) throws -> APIKey? {
        let hash = SHA256.hex(plaintext)
        let (cached, generation) = cache.withLock { ($0.keys[hash], $0.generation) }
        if let cached { return cached }
        guard let key = try apiKeys.lookup(hash: hash, db: db) else { return nil }
        cache.withLock { c in
            guard c.generation == generation else { return }
            if c.keys.count >= Webhooks.maxCachedKeys { c.keys.removeAll() }
            c.keys[hash] = key
        }
        return key
    }
}
