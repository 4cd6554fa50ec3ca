// API keys (SPEC §9): `wfb_` + base64url(24 random bytes); only the SHA-256 hex and an 11-char prefix are stored.
// Lookups run on the caller's reader; writes are group-commit units. `lastUsedAt` is written at most once a minute.
// Thread-safe.
import Crypto
import Domain
import JSON
import Log
import Store
import Synchronization

/// A key row without its secret.
public struct APIKey: Sendable {
    public let id: APIKeyID
    public let userID: UserID
    public let name: String?
    public let keyPrefix: String
    public let createdAt: Int64
    public let lastUsedAt: Int64?

    static let columns = "id, user_id, name, key_prefix, created_at, last_used_at"

    init(row: Row) {
        id = APIKeyID(row.text(0)); userID = UserID(row.text(1)); name = row.optionalText(2); keyPrefix = row.text(3)
        createdAt = row.int(4); lastUsedAt = row.optionalInt(5)
    }

    init(id: APIKeyID, userID: UserID, name: String?, keyPrefix: String, createdAt: Int64, lastUsedAt: Int64?) {
        self.id = id; self.userID = userID; self.name = name; self.keyPrefix = keyPrefix
        self.createdAt = createdAt; self.lastUsedAt = lastUsedAt
    }
}

/// A key just created: the row and its plaintext, shown once.
public struct CreatedAPIKey: Sendable {
    public let key: APIKey
    public let plaintext: String
}

/// Key creation, listing, revocation and lookup.
public final class APIKeys: Sendable {
    static let prefixLength = 11
    static let touchIntervalMs: Int64 = 60_000
    let storage: Storage
    let clock: @Sendable () -> Int64
    let logger: Logger?
    /// Last `lastUsedAt` write per key id, so a busy key costs one write a minute.
    private let lastTouch = Mutex<[String: Int64]>([:])

    public init(storage: Storage, clock: @escaping @Sendable () -> Int64, logger: Logger?) {
        self.storage = storage
        self.clock = clock
        self.logger = logger
    }

    /// The caller's keys, newest first.
    public func list(owner: UserID, db: Database) throws -> [APIKey] {
        try db.query("""
            SELECT \(APIKey.columns) FROM api_keys
            WHERE user_id = ? ORDER BY created_at DESC, id DESC
            """, [.text(owner.raw)]) { APIKey(row: $0) }
    }

    /// `POST /api/api-keys` with a JSON body (`name` optional), decoded after the owner check.
    public func create(_ body: @autoclosure () throws -> JSON, owner: User) throws -> Pending<CreatedAPIKey> {
        if owner.isAnonymous { throw AppError.forbidden("Anonymous users cannot create API keys") }
        let name = try body().optionalString("name")
        if let name, name.scalarCount > 200 { throw AppError.badRequest("Name must be at most 200 characters") }
        let created = makeKey(owner: owner.id, name: name)
        return Pending.commit(storage.writer) { db in
            try APIKeys.insert(created, hash: SHA256.hex(created.plaintext), db: db)
            return created
        }
    }

    /// `apikey create`: a key for the user with `email`, written at once. Blocks.
    public func createNow(owner: User, name: String?) throws -> CreatedAPIKey {
        if owner.isAnonymous { throw AppError.forbidden("Anonymous users cannot create API keys") }
        let created = makeKey(owner: owner.id, name: name)
        try storage.writer.sync { db in try APIKeys.insert(created, hash: SHA256.hex(created.plaintext), db: db) }
        return created
    }

    /// Deletes the caller's key: 404 `"API key not found"` when there is no such key of theirs.
    public func revoke(_ id: APIKeyID, owner: UserID) -> Pending<Void> {
        Pending.commit(storage.writer) { db in
            guard try db.run("DELETE FROM api_keys WHERE id = ? AND user_id = ?", [.text(id.raw), .text(owner.raw)]) > 0 else {
                throw AppError.notFound("API key not found")
            }
        }
    }

    /// The key whose plaintext is `key`, by hash.
    public func lookup(key: String, db: Database) throws -> APIKey? {
        try lookup(hash: SHA256.hex(key), db: db)
    }

    /// The key whose SHA-256 hex is `hash`.
    public func lookup(hash: String, db: Database) throws -> APIKey? {
        try db.queryOne("SELECT \(APIKey.columns) FROM api_keys WHERE key_hash = ?", [.text(hash)]) { APIKey(row: $0) }
    }

    /// Records a use of `key` now, writing `last_used_at` at most once a minute per key.
    public func touch(_ key: APIKey) {
        let now = clock()
        if let stored = key.lastUsedAt, now - stored < APIKeys.touchIntervalMs { return }
        let due = lastTouch.withLock { map -> Bool in
            if let last = map[key.id.raw], now - last < APIKeys.touchIntervalMs { return false }
            map[key.id.raw] = now
            return true
        }
        guard due else { return }
        let id = key.id.raw
        let logger = self.logger
        storage.writer.submit({ db in try db.run("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [.int(now), .text(id)]) },
                              completion: { result in
            if case .failure(let error) = result {
                logger?.error("api key touch failed", ["key_id": .string(id), "error": .string("\(error)")])
            }
        })
    }

    private func makeKey(owner: UserID, name: String?) -> CreatedAPIKey {
        let plaintext = Token.random(prefix: "wfb_", bytes: 24)
        let key = APIKey(id: APIKeyID(RandomID.make(prefix: "key_")), userID: owner, name: name,
                         keyPrefix: String(plaintext.prefix(APIKeys.prefixLength)), createdAt: clock(), lastUsedAt: nil)
        return CreatedAPIKey(key: key, plaintext: plaintext)
    }

    static func insert(_ created: CreatedAPIKey, hash: String, db: Database) throws {
        let k = created.key
        try db.run("""
            INSERT INTO api_keys (id, user_id, name, key_hash, key_prefix, created_at, last_used_at)
            VALUES (?, ?, ?, ?, ?, ?, NULL)
            """, [.text(k.id.raw), .text(k.userID.raw), k.name.map { .text($0) } ?? .null, .text(hash), .text(k.keyPrefix),
                  .int(k.createdAt)])
    }
}
