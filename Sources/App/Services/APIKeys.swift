// API keys (SPEC §9): `wfb_` + base64url(24 random bytes); only the SHA-256 hex and an 11-char prefix are stored.
// Lookups run on the caller's reader; writes are group-commit units. `lastUsedAt` is written at most once a minute.
import Crypto
import JSON
import Log
import Store
import Synchronization

/// A key row without its secret.
struct APIKey: Sendable {
    let id: String
    let userID: String
    let name: String?
    let keyPrefix: String
    let createdAt: Int64
    let lastUsedAt: Int64?

    func write(to out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":".utf8); JSONWriter.appendString(id, to: &out)
        out.append(contentsOf: ",\"name\":".utf8); JSONWriter.appendNullableString(name, to: &out)
        out.append(contentsOf: ",\"keyPrefix\":".utf8); JSONWriter.appendString(keyPrefix, to: &out)
        out.append(contentsOf: ",\"createdAt\":".utf8); JSONWriter.appendString(ISO8601.format(milliseconds: createdAt), to: &out)
        out.append(contentsOf: ",\"lastUsedAt\":".utf8)
        JSONWriter.appendNullableString(lastUsedAt.map { ISO8601.format(milliseconds: $0) }, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}

/// Key creation, listing, revocation and lookup. Thread-safe.
final class APIKeys: Sendable {
    static let prefixLength = 11
    static let touchIntervalMs: Int64 = 60_000
    /// Last `lastUsedAt` write per key id, so a busy key costs one write a minute.
    private let lastTouch = Mutex<[String: Int64]>([:])

    /// A fresh key: (plaintext, SHA-256 hex, prefix).
    static func generate() -> (key: String, hash: String, prefix: String) {
        let key = Token.random(prefix: "wfb_", bytes: 24)
        return (key, SHA256.hex(key), String(key.prefix(prefixLength)))
    }

    static func list(userID: String, db: Database) throws -> [APIKey] {
        try db.query("""
            SELECT id, user_id, name, key_prefix, created_at, last_used_at FROM api_keys
            WHERE user_id = ? ORDER BY created_at DESC, id DESC
            """, [.text(userID)]) { row in
            APIKey(id: row.text(0), userID: row.text(1), name: row.optionalText(2), keyPrefix: row.text(3),
                   createdAt: row.int(4), lastUsedAt: row.optionalInt(5))
        }
    }

    static func insert(id: String, userID: String, name: String?, hash: String, prefix: String, now: Int64, db: Database) throws {
        try db.run("""
            INSERT INTO api_keys (id, user_id, name, key_hash, key_prefix, created_at, last_used_at)
            VALUES (?, ?, ?, ?, ?, ?, NULL)
            """, [.text(id), .text(userID), name.map { .text($0) } ?? .null, .text(hash), .text(prefix), .int(now)])
    }

    /// Deletes the caller's key; false when there is no such key of theirs.
    static func delete(id: String, userID: String, db: Database) throws -> Bool {
        try db.run("DELETE FROM api_keys WHERE id = ? AND user_id = ?", [.text(id), .text(userID)]) > 0
    }

    /// The key whose plaintext is `key`, by hash.
    static func lookup(key: String, db: Database) throws -> APIKey? {
        try db.queryOne("""
            SELECT id, user_id, name, key_prefix, created_at, last_used_at FROM api_keys WHERE key_hash = ?
            """, [.text(SHA256.hex(key))]) { row in
            APIKey(id: row.text(0), userID: row.text(1), name: row.optionalText(2), keyPrefix: row.text(3),
                   createdAt: row.int(4), lastUsedAt: row.optionalInt(5))
        }
    }

    /// Records a use of `key` at `now`, writing `last_used_at` at most once a minute per key.
    func touch(_ key: APIKey, now: Int64, writer: Writer) {
        if let stored = key.lastUsedAt, now - stored < APIKeys.touchIntervalMs { return }
        let due = lastTouch.withLock { map -> Bool in
            if let last = map[key.id], now - last < APIKeys.touchIntervalMs { return false }
            map[key.id] = now
            return true
        }
        guard due else { return }
        let id = key.id
        writer.submit({ db in try db.run("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [.int(now), .text(id)]) },
                      completion: { _ in })
    }
}
