// Integrations (SPEC §8): validation, AES-256-GCM sealing of the config (AAD = integration id), queries, and the
// encryption key's loading. Reads run on the caller's reader; writes are group-commit units. Any thread.
import Foundation
import Crypto
import JSON
import Log
import Store
#if canImport(Glibc)
import Glibc
#endif

/// An integration row (config still sealed).
struct IntegrationRow: Sendable {
    let id: String
    let userID: String
    var name: String
    let type: String
    var sealedConfig: String
    let createdAt: Int64
    var updatedAt: Int64

    static let columns = "id, user_id, name, type, config_encrypted, created_at, updated_at"

    init(row: Row) {
        id = row.text(0); userID = row.text(1); name = row.text(2); type = row.text(3)
        sealedConfig = row.text(4); createdAt = row.int(5); updatedAt = row.int(6)
    }

    init(id: String, userID: String, name: String, type: String, sealedConfig: String, createdAt: Int64, updatedAt: Int64) {
        self.id = id; self.userID = userID; self.name = name; self.type = type
        self.sealedConfig = sealedConfig; self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// The `Integration` object, with `config` when given.
    func json(config: JSON? = nil) -> [UInt8] {
        var out: [UInt8] = Array("{\"id\":".utf8)
        JSONWriter.appendString(id, to: &out)
        out.append(contentsOf: ",\"name\":".utf8); JSONWriter.appendString(name, to: &out)
        out.append(contentsOf: ",\"type\":".utf8); JSONWriter.appendString(type, to: &out)
        out.append(contentsOf: ",\"createdAt\":\"".utf8); ISO8601.append(milliseconds: createdAt, to: &out)
        out.append(contentsOf: "\",\"updatedAt\":\"".utf8); ISO8601.append(milliseconds: updatedAt, to: &out)
        out.append(UInt8(ascii: "\""))
        if let config {
            out.append(contentsOf: ",\"config\":".utf8)
            config.write(to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// Sealing and validation of integration configs. Thread-safe (immutable key).
final class Integrations: Sendable {
    let key: [UInt8]

    init(key: [UInt8]) {
        precondition(key.count == 32)
        self.key = key
    }

    /// The encryption key: `ORCHESTRATOR_ENCRYPTION_KEY` (64 hex), else `<data dir>/encryption.key`, created once
    /// (mode 0600) with a warning. A malformed key stops startup.
    static func loadKey(environment: [String: String], dataDir: String, logger: Logger?) throws -> [UInt8] {
        if let hex = environment["ORCHESTRATOR_ENCRYPTION_KEY"], !hex.isEmpty {
            guard hex.utf8.count == 64, let key = Hex.decode(hex) else {
                throw StartupError("ORCHESTRATOR_ENCRYPTION_KEY must be 64 hex characters")
            }
            return key
        }
        let path = (dataDir.hasSuffix("/") ? dataDir : dataDir + "/") + "encryption.key"
        if let text = TimeZones.readFile(path, limit: 256) {
            let hex = text.trimmed
            guard hex.utf8.count == 64, let key = Hex.decode(hex) else {
                throw StartupError("\(path) must hold 64 hex characters")
            }
            return key
        }
        let key = Random.bytes(32)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            // EEXIST: another process created it meanwhile (read it once more), or it is a dangling link or
            // unreadable: then stop with the reason rather than guess.
            if errno == EEXIST, let text = TimeZones.readFile(path, limit: 256), text.trimmed.utf8.count == 64,
               let key = Hex.decode(text.trimmed) {
                return key
            }
            throw StartupError("cannot read or create \(path): \(String(cString: strerror(errno)))")
        }
        let line = Array((Hex.encode(key) + "\n").utf8)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == line.count else { throw StartupError("cannot write \(path)") }
        logger?.warn("generated a new encryption key; set ORCHESTRATOR_ENCRYPTION_KEY or keep this file safe", ["path": .string(path)])
        return key
    }

    func seal(_ config: JSON, id: String) -> String {
        SecretBox.seal(config.text, key: key, aad: id)
    }

    /// The decrypted config; a failure is `DecryptionFailed` ("Failed to decrypt integration config"), never `{}`.
    func open(_ row: IntegrationRow) throws(DecryptionFailed) -> JSON {
        guard let text = try? SecretBox.open(row.sealedConfig, key: key, aad: row.id),
              let config = try? JSON.parse(text), config.isObject else {
            throw DecryptionFailed()
        }
        return config
    }

    /// A sealed config that does not open (another key, tampering, another id's record). The API answers 500 with
    /// this message (not the generic one); a run's step fails with it.
    struct DecryptionFailed: Error, CustomStringConvertible {
        static let message = "Failed to decrypt integration config"
        var description: String { DecryptionFailed.message }
    }

    /// Validates `config` for `type` (SPEC §8 order after type): missing required, unknown, non-string fields.
    static func validateConfig(_ config: JSON, type: IntegrationType) throws {
        guard case .object(let members) = config else { throw APIError.badRequest("config must be an object") }
        for key in type.required {
            switch config[key] {
            case nil, .null?: throw APIError.badRequest("Missing required config field: \(key)")
            case .string(let s)? where s.trimmed.isEmpty: throw APIError.badRequest("Missing required config field: \(key)")
            default: break
            }
        }
        for m in members where !type.fields.contains(m.key) {
            throw APIError.badRequest("Unknown config field: \(m.key)")
        }
        for m in members {
            guard case .string = m.value else { throw APIError.badRequest("Invalid config field: \(m.key)") }
        }
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
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        guard let at = rest.firstIndex(of: "@") else { return nil }
        let userinfo = rest[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return nil }
        let pw = userinfo[userinfo.index(after: colon)...]
        return pw.isEmpty ? nil : String(pw)
    }

    // MARK: - Queries

    /// The owner's integration with its config decrypted and its secret values (for redaction by value), or nil when
    /// `userID` has no integration `id`. Throws `DecryptionFailed` when the config cannot be opened.
    func loadDecrypted(id: String, userID: String, db: Database) throws -> (row: IntegrationRow, config: JSON, secrets: [String])? {
        guard let row = try Integrations.get(id: id, userID: userID, db: db), let type = IntegrationType.named(row.type) else {
            return nil
        }
        let config = try open(row)
        return (row, config, Integrations.secretValues(config, type: type))
    }

    static func get(id: String, userID: String, db: Database) throws -> IntegrationRow? {
        try db.queryOne("SELECT \(IntegrationRow.columns) FROM integrations WHERE id = ? AND user_id = ?",
                        [.text(id), .text(userID)]) { IntegrationRow(row: $0) }
    }

    static func list(userID: String, type: String?, db: Database) throws -> [IntegrationRow] {
        if let type {
            return try db.query("""
                SELECT \(IntegrationRow.columns) FROM integrations WHERE user_id = ? AND type = ?
                ORDER BY created_at DESC, id DESC
                """, [.text(userID), .text(type)]) { IntegrationRow(row: $0) }
        }
        return try db.query("""
            SELECT \(IntegrationRow.columns) FROM integrations WHERE user_id = ? ORDER BY created_at DESC, id DESC
            """, [.text(userID)]) { IntegrationRow(row: $0) }
    }

    static func insert(_ r: IntegrationRow, db: Database) throws {
        try db.run("""
            INSERT INTO integrations (id, user_id, name, type, config_encrypted, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(r.id), .text(r.userID), .text(r.name), .text(r.type), .text(r.sealedConfig), .int(r.createdAt), .int(r.updatedAt)])
    }

    static func update(_ r: IntegrationRow, db: Database) throws -> Bool {
        try db.run("UPDATE integrations SET name = ?, config_encrypted = ?, updated_at = ? WHERE id = ? AND user_id = ?",
                   [.text(r.name), .text(r.sealedConfig), .int(r.updatedAt), .text(r.id), .text(r.userID)]) > 0
    }

    static func delete(id: String, userID: String, db: Database) throws -> Bool {
        try db.run("DELETE FROM integrations WHERE id = ? AND user_id = ?", [.text(id), .text(userID)]) > 0
    }
}

/// A configuration problem that stops startup (exit 1) with its message.
struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
