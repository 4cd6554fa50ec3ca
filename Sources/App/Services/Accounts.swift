// Accounts (SPEC §1): sign-up, sign-in (with its rate limit), anonymous users, sessions and profile updates.
// Lookups run on the caller's reader; writes are units for the group-commit Writer. Password hashing is slow and
// must be called off the event loops (the routes offload it).
import Crypto
import HTTP
import Store
import Synchronization
import System

/// Account rules and their storage. Thread-safe.
final class Accounts: Sendable {
    static let sessionLifetimeMs: Int64 = 7 * 24 * 3600 * 1000
    /// Renew when less than this is left (so at most one renewal write per day).
    static let renewBelowMs: Int64 = 6 * 24 * 3600 * 1000

    /// scrypt with N=2^15, r=8 needs 32 MiB per hash: hashing has its own small pool, so at most 4 run at once and
    /// a sign-in flood queues here instead of occupying the shared work pool.
    static let hashPool = WorkPool(maxThreads: 4)

    let limiter: SignInLimiter
    let allowSignUp: Bool
    let allowAnonymous: Bool

    init(allowSignUp: Bool, allowAnonymous: Bool, maxFailures: Int, windowMs: Int64) {
        self.allowSignUp = allowSignUp
        self.allowAnonymous = allowAnonymous
        limiter = SignInLimiter(maxFailures: maxFailures, windowMs: windowMs)
    }

    // MARK: - Validation (SPEC §1 order)

    /// Trimmed, lower-cased; valid = one `@`, non-empty local part, domain with a `.`, ≤ 254 chars.
    static func normalizeEmail(_ raw: String) -> String? {
        let email = raw.trimmed.lowercased()
        guard email.scalarCount <= 254 else { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else { return nil }
        return email
    }

    static func validateName(_ name: String?) throws -> String {
        guard let name, !name.trimmed.isEmpty else { throw APIError.badRequest("Name is required") }
        guard name.scalarCount <= 200 else { throw APIError.badRequest("Name must be at most 200 characters") }
        return name.trimmed
    }

    // MARK: - Queries (reader)

    static let sessionSQL = """
        SELECT s.id, s.expires_at, s.created_at, u.id, u.name, u.email, u.image, u.is_anonymous, u.provider_id, u.created_at
        FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = ?
        """

    /// The live session for `token`, or nil (unknown or expired).
    static func session(token: String, now: Int64, db: Database) throws -> Session? {
        let hash = SHA256.hex(token)
        return try db.queryOne(sessionSQL, [.text(hash)]) { row in
            Session(id: row.text(0), tokenHash: hash, expiresAt: row.int(1), createdAt: row.int(2), user: User(row: row, at: 3))
        }.flatMap { $0.expiresAt > now ? $0 : nil }
    }

    static let userByEmailSQL = """
        SELECT u.id, u.name, u.email, u.image, u.is_anonymous, u.provider_id, u.created_at, u.password_hash
        FROM users u WHERE u.email = ?
        """

    static func userWithPassword(email: String, db: Database) throws -> (User, String?)? {
        try db.queryOne(userByEmailSQL, [.text(email)]) { row in (User(row: row), row.optionalText(7)) }
    }

    static let userByIDSQL = """
        SELECT u.id, u.name, u.email, u.image, u.is_anonymous, u.provider_id, u.created_at FROM users u WHERE u.id = ?
        """

    static func user(id: String, db: Database) throws -> User? {
        try db.queryOne(userByIDSQL, [.text(id)]) { User(row: $0) }
    }

    // MARK: - Write units

    /// A new session row for `userID`; returns the cookie token (only its hash is stored).
    static func insertSession(userID: String, now: Int64, db: Database) throws -> (token: String, expiresAt: Int64) {
        let token = Token.random(bytes: 32)
        let expires = now + sessionLifetimeMs
        try db.run("""
            INSERT INTO sessions (id, user_id, token_hash, expires_at, created_at, updated_at, last_renewed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(RandomID.make(prefix: "sess_")), .text(userID), .text(SHA256.hex(token)), .int(expires),
                  .int(now), .int(now), .int(now)])
        return (token, expires)
    }

    static func insertUser(_ user: User, passwordHash: String?, now: Int64, db: Database) throws {
        do {
            try db.run("""
                INSERT INTO users (id, name, email, email_verified, image, is_anonymous, provider_id, password_hash,
                                   created_at, updated_at)
                VALUES (?, ?, ?, 0, NULL, ?, ?, ?, ?, ?)
                """, [.text(user.id), .text(user.name), user.email.map { .text($0) } ?? .null, .int(user.isAnonymous ? 1 : 0),
                      .text(user.providerId), passwordHash.map { .text($0) } ?? .null, .int(now), .int(now)])
        } catch {
            if error.isUniqueViolation { throw APIError.conflict("User already exists") }
            throw error
        }
    }

    /// Moves an anonymous user's workflows, executions and integrations to `toUserID`, then deletes the anonymous
    /// user (its sessions go with it by cascade). A no-op unless `anonymousID` names an anonymous user.
    static func adoptAnonymous(_ anonymousID: String, into toUserID: String, db: Database) throws {
        guard anonymousID != toUserID,
              try db.queryOne("SELECT is_anonymous FROM users WHERE id = ?", [.text(anonymousID)], { $0.int(0) }) == 1
        else { return }
        try db.run("UPDATE workflows SET user_id = ? WHERE user_id = ?", [.text(toUserID), .text(anonymousID)])
        try db.run("UPDATE executions SET user_id = ? WHERE user_id = ?", [.text(toUserID), .text(anonymousID)])
        try db.run("UPDATE integrations SET user_id = ? WHERE user_id = ?", [.text(toUserID), .text(anonymousID)])
        try db.run("DELETE FROM users WHERE id = ? AND is_anonymous = 1", [.text(anonymousID)])
    }

    static func deleteSession(tokenHash: String, db: Database) throws {
        try db.run("DELETE FROM sessions WHERE token_hash = ?", [.text(tokenHash)])
    }

    static func renewSession(id: String, expiresAt: Int64, now: Int64, db: Database) throws {
        try db.run("UPDATE sessions SET expires_at = ?, updated_at = ?, last_renewed_at = ? WHERE id = ?",
                   [.int(expiresAt), .int(now), .int(now), .text(id)])
    }
}

/// Failed sign-ins per (email, client IP): `maxFailures` within a window that starts at the first failure lock the
/// pair out for the rest of the window; success clears it. An attempt counts as a failure as soon as it starts
/// (`begin`) and is forgotten on success (`clear`), so concurrent guesses are limited too. Keys hold SHA-256 of the
/// email, so hostile emails cannot grow memory; the table is capped. In memory (a restart forgets it). Thread-safe.
final class SignInLimiter: Sendable {
    struct Entry { var failures: Int; var windowStart: Int64 }

    static let maxEntries = 100_000
    let maxFailures: Int
    let windowMs: Int64
    private let entries = Mutex<[String: Entry]>([:])

    init(maxFailures: Int, windowMs: Int64) {
        self.maxFailures = maxFailures
        self.windowMs = windowMs
    }

    static func key(_ email: String, _ ip: String) -> String { SHA256.hex(email) + " " + ip }

    /// Starts an attempt: nil when it may go ahead (and it now counts as a failure), else the seconds until the
    /// lock-out ends.
    func begin(email: String, ip: String, now: Int64) -> Int? {
        let key = SignInLimiter.key(email, ip)
        return entries.withLock { map -> Int? in
            if var e = map[key], now - e.windowStart < windowMs {
                if e.failures >= maxFailures { return Int((e.windowStart + windowMs - now + 999) / 1000) }
                e.failures += 1
                map[key] = e
                return nil
            }
            if map.count >= SignInLimiter.maxEntries {
                map = map.filter { now - $0.value.windowStart < windowMs }
                if map.count >= SignInLimiter.maxEntries { map.removeAll() }   // under a spray, forget rather than grow
            }
            map[key] = Entry(failures: 1, windowStart: now)
            return nil
        }
    }

    /// A successful sign-in clears the pair.
    func clear(email: String, ip: String) {
        let key = SignInLimiter.key(email, ip)
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
