// Integrations (SPEC §8): validation, AES-256-GCM sealing of the config (AAD = integration id), queries and
// connection tests. Reads run on the caller's reader; writes are group-commit units; `test` blocks (call it off the
// event loops). Thread-safe (immutable key).
import Crypto
import Domain
import JSON
import Log
import Store

/// An integration row (config still sealed).
public struct IntegrationRow: Sendable {
    public let id: IntegrationID
    public let userID: UserID
    public var name: String
    public let type: String
    var sealedConfig: String
    public let createdAt: Int64
    public var updatedAt: Int64

    static let columns = "id, user_id, name, type, config_encrypted, created_at, updated_at"

    init(row: Row) {
        id = IntegrationID(row.text(0)); userID = UserID(row.text(1)); name = row.text(2); type = row.text(3)
        sealedConfig = row.text(4); createdAt = row.int(5); updatedAt = row.int(6)
    }

    init(id: IntegrationID, userID: UserID, name: String, type: String, sealedConfig: String, createdAt: Int64, updatedAt: Int64) {
        self.id = id; self.userID = userID; self.name = name; self.type = type
        self.sealedConfig = sealedConfig; self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

/// An integration with its config decrypted.
public struct OpenedIntegration: Sendable {
    public let row: IntegrationRow
    public let config: JSON
}

/// Integration rules, sealing and storage.
public final class Integrations: Sendable {
    let key: [UInt8]
    let storage: Storage?
    let clock: @Sendable () -> Int64
    let logger: Logger?
    let tester: ConnectionTester?

    public init(key: [UInt8], storage: Storage?, clock: @escaping @Sendable () -> Int64 = { 0 }, logger: Logger? = nil,
                tester: ConnectionTester? = nil) {
        precondition(key.count == 32)
        self.key = key
        self.storage = storage
        self.clock = clock
        self.logger = logger
        self.tester = tester
    }

    // MARK: - Routes' operations

    /// The caller's integrations, newest first; `type` filters (400 `"Invalid integration type"` when unknown).
    public func list(owner: UserID, type: String?, db: Database) throws -> [IntegrationRow] {
        if let type {
            guard IntegrationType.named(type) != nil else { throw AppError.badRequest("Invalid integration type") }
            return try db.query("""
                SELECT \(IntegrationRow.columns) FROM integrations WHERE user_id = ? AND type = ?
                ORDER BY created_at DESC, id DESC
                """, [.text(owner.raw), .text(type)]) { IntegrationRow(row: $0) }
        }
        return try db.query("""
            SELECT \(IntegrationRow.columns) FROM integrations WHERE user_id = ? ORDER BY created_at DESC, id DESC
            """, [.text(owner.raw)]) { IntegrationRow(row: $0) }
    }

    /// `POST /api/integrations`: validated in SPEC §8's order, sealed, inserted.
    public func create(_ body: JSON, owner: UserID) throws -> Pending<IntegrationRow> {
        let (name, type, config) = try Integrations.parseBody(body)
        let now = clock()
        let id = IntegrationID(RandomID.make(prefix: "int_"))
        let row = IntegrationRow(id: id, userID: owner, name: name, type: type.name, sealedConfig: seal(config, id: id),
                                 createdAt: now, updatedAt: now)
        return Pending.commit(writer) { db in
            try Integrations.insert(row, db: db)
            return row
        }
    }

    /// The caller's integration with its config: 404 `"Integration not found"`, 500 when it does not decrypt.
    public func get(_ id: IntegrationID, owner: UserID, db: Database) throws -> OpenedIntegration {
        let row = try owned(id, owner: owner, db: db)
        return OpenedIntegration(row: row, config: try openLogged(row))
    }

    /// `PUT /api/integrations/{id}`: a new config (validated, re-sealed) and/or name; the body is decoded after the
    /// ownership check.
    public func update(_ id: IntegrationID, owner: UserID, body: @autoclosure () throws -> JSON,
                       db: Database) throws -> Pending<OpenedIntegration> {
        var row = try owned(id, owner: owner, db: db)
        let body = try body()
        let config: JSON
        if let c = body["config"], !c.isNull {
            try Integrations.validateConfig(c, type: try Integrations.type(of: row))
            config = c
            row.sealedConfig = seal(c, id: row.id)
        } else {
            config = try openLogged(row)
        }
        if let name = try body.optionalString("name") {
            guard name.scalarCount <= 200 else { throw AppError.badRequest("Name must be at most 200 characters") }
            row.name = name
        }
        row.updatedAt = max(clock(), row.updatedAt + 1)
        let updated = row
        return Pending.commit(writer) { db in
            guard try db.run("""
                UPDATE integrations SET name = ?, config_encrypted = ?, updated_at = ? WHERE id = ? AND user_id = ?
                """, [.text(updated.name), .text(updated.sealedConfig), .int(updated.updatedAt), .text(updated.id.raw),
                      .text(updated.userID.raw)]) > 0 else {
                throw AppError.notFound("Integration not found")
            }
            return OpenedIntegration(row: updated, config: config)
        }
    }

    /// Deletes the caller's integration: 404 `"Integration not found"` when there is none.
    public func delete(_ id: IntegrationID, owner: UserID) -> Pending<Void> {
        Pending.commit(writer) { db in
            guard try db.run("DELETE FROM integrations WHERE id = ? AND user_id = ?", [.text(id.raw), .text(owner.raw)]) > 0 else {
                throw AppError.notFound("Integration not found")
            }
        }
    }

    /// What `POST /api/integrations/test` tests: the body validated as for create.
    public func unsavedTestTarget(_ body: JSON) throws -> (IntegrationType, JSON) {
        let (_, type, config) = try Integrations.parseBody(body)
        return (type, config)
    }

    /// What `POST /api/integrations/{id}/test` tests: the caller's stored integration (the optional body is decoded
    /// after the ownership check, and ignored).
    public func savedTestTarget(_ id: IntegrationID, owner: UserID, body: @autoclosure () throws -> JSON,
                                db: Database) throws -> (IntegrationType, JSON) {
        let row = try owned(id, owner: owner, db: db)
        _ = try body()
        return (try Integrations.type(of: row), try openLogged(row))
    }

    /// The connection test (SPEC §8 "Test calls"): `(success, message)`. Blocks up to 10 s: never on an event loop.
    public func test(type: IntegrationType, config: JSON) -> (ok: Bool, message: String) {
        guard let tester else { return (false, "Connection tests are not available") }
        return tester.test(type: type, config: Integrations.strings(config))
    }

    // MARK: - Sealing

    func seal(_ config: JSON, id: IntegrationID) -> String {
        SecretBox.seal(config.text, key: key, aad: id.raw)
    }

    /// The decrypted config; a failure is `.decryptionFailed` ("Failed to decrypt integration config"), never `{}`.
    func open(_ row: IntegrationRow) throws(AppError) -> JSON {
        guard let text = try? SecretBox.open(row.sealedConfig, key: key, aad: row.id.raw),
              let config = try? JSON.parse(text), config.isObject else {
            throw AppError.decryptionFailed
        }
        return config
    }

    private func openLogged(_ row: IntegrationRow) throws(AppError) -> JSON {
        do {
            return try open(row)
        } catch {
            logger?.error("integration config does not decrypt", ["integration_id": .string(row.id.raw)])
            throw error
        }
    }

    private func owned(_ id: IntegrationID, owner: UserID, db: Database) throws -> IntegrationRow {
        guard let row = try Integrations.get(id: id, userID: owner, db: db) else {
            throw AppError.notFound("Integration not found")
        }
        return row
    }

    /// The row's type (a stored type this build does not know is a server fault, not a crash).
    static func type(of row: IntegrationRow) throws(AppError) -> IntegrationType {
        guard let type = IntegrationType.named(row.type) else {
            throw AppError.internalError("integration \(row.id) has unknown type \(row.type)")
        }
        return type
    }

    private var writer: Writer {
        guard let storage else { preconditionFailure("Integrations built without storage") }
        return storage.writer
    }

    // MARK: - Validation

    /// Validates a create/test body in SPEC §8's order; returns (name, type, config).
    static func parseBody(_ body: JSON) throws -> (name: String, type: IntegrationType, config: JSON) {
        guard let typeValue = body["type"], !typeValue.isNull, let configValue = body["config"], !configValue.isNull else {
            throw AppError.badRequest("Type and config are required")
        }
        guard case .string(let typeName) = typeValue else { throw AppError.badRequest("type must be a string") }
        guard let type = IntegrationType.named(typeName) else { throw AppError.badRequest("Invalid integration type") }
        try validateConfig(configValue, type: type)
        let name = try body.optionalString("name") ?? ""
        guard name.scalarCount <= 200 else { throw AppError.badRequest("Name must be at most 200 characters") }
        return (name, type, configValue)
    }

    /// Validates `config` for `type` (SPEC §8 order after type): missing required, unknown, non-string fields.
    static func validateConfig(_ config: JSON, type: IntegrationType) throws(AppError) {
        guard case .object(let members) = config else { throw AppError.badRequest("config must be an object") }
        for key in type.required {
            switch config[key] {
            case nil, .null?: throw AppError.badRequest("Missing required config field: \(key)")
            case .string(let s)? where s.trimmed.isEmpty: throw AppError.badRequest("Missing required config field: \(key)")
            default: break
            }
        }
        for m in members where !type.fields.contains(m.key) {
            throw AppError.badRequest("Unknown config field: \(m.key)")
        }
        for m in members {
            guard case .string = m.value else { throw AppError.badRequest("Invalid config field: \(m.key)") }
        }
        if type.name == "database", let url = config["url"]?.string, !isDatabaseURL(url) {
            throw AppError.badRequest("Invalid config field: url")
        }
    }

    /// SPEC §8: `sqlite:<name>.db` (optionally `sqlite://<name>.db`) or a `postgres://` / `postgresql://` URL.
    static func isDatabaseURL(_ url: String) -> Bool {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") { return true }
        guard url.hasPrefix("sqlite:") else { return false }
        var name = url.dropFirst("sqlite:".count)
        if name.hasPrefix("//") { name = name.dropFirst(2) }
        return name.count > ".db".count && name.hasSuffix(".db")
    }

    /// The string fields of a decrypted config.
    static func strings(_ config: JSON) -> [String: String] {
        var out: [String: String] = [:]
        for m in config.object ?? [] { if let s = m.value.string { out[m.key] = s } }
        return out
    }

    /// The secret values of a config (for redaction by value), including a database URL's password part.
    static func secretValues(_ config: JSON, type: IntegrationType) -> [String] {
        var out: [String] = []
        for key in type.secrets {
            guard let v = config[key]?.string, !v.isEmpty else { continue }
            out.append(v)
            if type.name == "database", let password = Integrations.urlPassword(v) { out.append(password) }
        }
        return out
    }

    /// `scheme://user:password@host/...` → password.
    static func urlPassword(_ url: String) -> String? {
        guard let scheme = url.firstRange(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        guard let at = rest.firstIndex(of: "@") else { return nil }
        let userinfo = rest[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return nil }
        let pw = userinfo[userinfo.index(after: colon)...]
        return pw.isEmpty ? nil : String(pw)
    }

    // MARK: - Queries

    /// The owner's integration with its config decrypted and its secret values (for redaction by value), or nil when
    /// `userID` has no integration `id`. Throws `.decryptionFailed` when the config cannot be opened.
    public func loadDecrypted(id: IntegrationID, userID: UserID, db: Database) throws -> (row: IntegrationRow, config: JSON, secrets: [String])? {
        guard let row = try Integrations.get(id: id, userID: userID, db: db), let type = IntegrationType.named(row.type) else {
            return nil
        }
        let config = try open(row)
        return (row, config, Integrations.secretValues(config, type: type))
    }

    static func get(id: IntegrationID, userID: UserID, db: Database) throws -> IntegrationRow? {
        try db.queryOne("SELECT \(IntegrationRow.columns) FROM integrations WHERE id = ? AND user_id = ?",
                        [.text(id.raw), .text(userID.raw)]) { IntegrationRow(row: $0) }
    }

    static func insert(_ r: IntegrationRow, db: Database) throws {
        try db.run("""
            INSERT INTO integrations (id, user_id, name, type, config_encrypted, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(r.id.raw), .text(r.userID.raw), .text(r.name), .text(r.type), .text(r.sealedConfig),
                  .int(r.createdAt), .int(r.updatedAt)])
    }
}
