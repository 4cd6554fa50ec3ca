// Accounts (SPEC §1): sign-up, sign-in (with its rate limit), anonymous users, sessions and profile updates.
// Lookups run on the caller's reader; writes are group-commit units. Password hashing runs on the hashing executor,
// never on the caller's thread. Thread-safe.
import Crypto
import Domain
import JSON
import Log
import Store
import Synchronization

/// Account rules and their storage.
public final class Accounts: Sendable {
    static let sessionLifetimeMs: Int64 = 7 * 24 * 3600 * 1000
    /// Renew when less than this is left (so at most one renewal write per day).
    static let renewBelowMs: Int64 = 6 * 24 * 3600 * 1000

    let storage: Storage
    let clock: @Sendable () -> Int64
    let logger: Logger?
    /// Where scrypt runs (32 MiB per hash): a small dedicated pool, so a sign-in flood queues there.
    let hashing: Executor
    let limiter: SignInLimiter
    let addressLimiter: AddressLimiter
    /// Hash jobs queued or running; past `maxHashJobs` a sign-in or sign-up answers 503 "Server busy".
    let hashJobs = JobCount()
    let maxHashJobs: Int
    public let allowSignUp: Bool
    public let allowAnonymous: Bool

    public init(storage: Storage, clock: @escaping @Sendable () -> Int64, logger: Logger?, hashing: @escaping Executor,
                allowSignUp: Bool, allowAnonymous: Bool, maxFailures: Int, windowMs: Int64, perAddressPerMinute: Int = 0,
                maxHashJobs: Int = Accounts.defaultMaxHashJobs) {
        self.storage = storage
        self.clock = clock
        self.logger = logger
        self.hashing = hashing
        self.allowSignUp = allowSignUp
        self.allowAnonymous = allowAnonymous
        limiter = SignInLimiter(maxFailures: maxFailures, windowMs: windowMs)
        addressLimiter = AddressLimiter(limit: perAddressPerMinute)
        self.maxHashJobs = maxHashJobs
    }

    /// At most this many password hashes queued or running (4 run at once; each waiting one costs a client a
    /// second or more, so a longer queue only adds latency).
    public static let defaultMaxHashJobs = 64

    /// SPEC §1's per-address limit on the sign-up and sign-in routes: 429 `"Too many requests"` past it. `ip` is the
    /// client's address (an unparseable one counts as itself).
    public func checkAddress(_ ip: String) throws(AppError) {
        if let retry = addressLimiter.hit(ClientAddress.rateKey(ip) ?? ip, now: clock()) {
            throw AppError.tooManyRequests("Too many requests", retryAfter: retry)
        }
    }

    /// A password hash; scrypt failing to get its memory is 503 "Server busy", never a crash.
    static func hash(_ password: String) throws(AppError) -> String {
        do { return try PasswordHash.hash(password) } catch { throw AppError.busy }
    }

    /// Hashing work on the hashing pool, refused with 503 "Server busy" when `maxHashJobs` are already queued.
    func hashJob<P: Sendable, V: Sendable>(_ prepare: @escaping @Sendable () throws -> P,
                                           _ unit: @escaping @Sendable (Database, P) throws -> V) throws(AppError) -> Pending<V> {
        let jobs = hashJobs
        guard jobs.enter(limit: maxHashJobs) else { throw AppError.busy }
        return Pending.prepare(on: hashing, {
            defer { jobs.leave() }
            return try prepare()
        }, then: storage.writer, unit)
    }

    // MARK: - Validation (SPEC §1 order)

    /// Trimmed, lower-cased; valid = one `@`, non-empty local part, domain with a `.`, ≤ 254 chars.
    public static func normalizeEmail(_ raw: String) -> String? {
        let email = raw.trimmed.lowercased()
        guard email.scalarCount <= 254 else { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else { return nil }
        return email
    }

    public static func validateName(_ name: String?) throws(AppError) -> String {
        guard let name, !name.trimmed.isEmpty else { throw AppError.badRequest("Name is required") }
        guard name.scalarCount <= 200 else { throw AppError.badRequest("Name must be at most 200 characters") }
        return name.trimmed
    }

    /// SPEC §1 password length rule.
    public static func validatePassword(_ password: String) throws(AppError) {
        guard password.scalarCount >= 8 else { throw AppError.badRequest("Password must be at least 8 characters") }
        guard password.scalarCount <= 128 else { throw AppError.badRequest("Password must be at most 128 characters") }
    }

    // MARK: - Sessions

    static let sessionSQL = """
        SELECT s.id, s.expires_at, s.created_at, u.id, u.name, u.email, u.image, u.is_anonymous, u.provider_id, u.created_at
        FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = ?
        """

    /// The live session for the cookie `token`, or nil (unknown or expired). With `renew`, a session with less than
    /// 6 days left is extended (one write per day at most, not awaited) and `renewed` is true: the cookie must be re-sent.
    public func session(token: String, renew: Bool, db: Database) throws -> (session: Session, renewed: Bool)? {
        let now = clock()
        let hash = SHA256.hex(token)
        guard var session = try db.queryOne(Accounts.sessionSQL, [.text(hash)], { row in
            Session(id: SessionID(row.text(0)), tokenHash: hash, expiresAt: row.int(1), createdAt: row.int(2),
                    user: User(row: row, at: 3))
        }), session.expiresAt > now else { return nil }
        guard renew && session.expiresAt - now < Accounts.renewBelowMs else { return (session, false) }
        let expires = now + Accounts.sessionLifetimeMs
        session.expiresAt = expires
        let id = session.id.raw
        let logger = self.logger
        storage.writer.submit({ db in
            try db.run("UPDATE sessions SET expires_at = ?, updated_at = ?, last_renewed_at = ? WHERE id = ?",
                       [.int(expires), .int(now), .int(now), .text(id)])
        }, completion: { result in
            if case .failure(let error) = result {
                logger?.error("session renewal failed", ["session_id": .string(id), "error": .string("\(error)")])
            }
        })
        return (session, true)
    }

    // MARK: - Sign-up, sign-in, sign-out

    /// Fails with 403 when sign-up is disabled (checked before the body is read).
    public func checkSignUpAllowed() throws(AppError) {
        guard allowSignUp else { throw AppError.forbidden("Sign-up is disabled") }
    }

    /// Sign-up with a JSON body (SPEC §1 order); `previous` is the caller's current session, replaced or adopted.
    public func signUp(_ body: JSON, previous: () throws -> Session?) throws -> Pending<SignedIn> {
        guard case .string(let rawEmail)? = body["email"], let email = Accounts.normalizeEmail(rawEmail) else {
            throw AppError.badRequest("Invalid email")
        }
        let password: String
        switch body["password"] {
        case nil, .null?: throw AppError.badRequest("Password must be at least 8 characters")
        case .string(let p)?: password = p
        default: throw AppError.badRequest("password must be a string")
        }
        try Accounts.validatePassword(password)
        let name = try Accounts.validateName(try body.optionalString("name"))
        let previous = try previous()
        let now = clock()
        let user = User(id: UserID(RandomID.make(prefix: "user_")), name: name, email: email, image: nil, isAnonymous: false,
                        providerId: "credential", createdAt: now)
        return try hashJob({ try Accounts.hash(password) }) { db, hash in
            try Accounts.insertUser(user, passwordHash: hash, now: now, db: db)
            let token = try Accounts.insertSession(userID: user.id, now: now, db: db)
            try Accounts.replace(previous, with: user.id, db: db)
            return SignedIn(user: user, token: token)
        }
    }

    /// Sign-in with a JSON body. The attempt counts against (email, ip) from the start and is forgotten on success,
    /// so parallel guesses cannot all slip in before the first failure is recorded.
    public func signIn(_ body: JSON, ip: String, db: Database, previous: () throws -> Session?) throws -> Pending<SignedIn> {
        guard case .string(let rawEmail)? = body["email"], case .string(let password)? = body["password"],
              !rawEmail.trimmed.isEmpty, !password.isEmpty else {
            throw AppError.badRequest("Email and password are required")
        }
        let email = rawEmail.trimmed.lowercased()
        let limiter = self.limiter
        try beginAttempt(email: email, ip: ip, db: db)
        let previous = try previous()
        let storage = self.storage
        let clock = self.clock
        return try hashJob({ () throws -> User in
            let found = email.scalarCount > 254 ? nil : try storage.read { db in try Accounts.userWithPassword(email: email, db: db) }
            guard let (user, hash) = found, let hash else {
                PasswordHash.dummyVerify(password)   // same cost as a real check: no timing oracle for unknown emails
                throw AppError.unauthorized("Invalid email or password")
            }
            guard PasswordHash.verify(password, against: hash) else {
                throw AppError.unauthorized("Invalid email or password")
            }
            limiter.clear(email: email, ip: ip)
            return user
        }) { db, user in
            let token = try Accounts.insertSession(userID: user.id, now: clock(), db: db)
            try Accounts.replace(previous, with: user.id, db: db)
            return SignedIn(user: user, token: token)
        }
    }

    /// Counts a password attempt against (email, ip): 429 while locked out, unless the password was set after the
    /// lock-out began (a changed password clears lock-outs, also one set by the CLI in another process).
    func beginAttempt(email: String, ip: String, db: Database) throws {
        let now = clock()
        if let since = limiter.lockedSince(email: email, ip: ip, now: now),
           let changed = try db.queryOne("SELECT password_changed_at FROM users WHERE email = ?", [.text(email)], { $0.optionalInt(0) }) ?? nil,
           changed >= since {
            limiter.clear(email: email, ip: ip)
        }
        if let retry = limiter.begin(email: email, ip: ip, now: now) {
            throw AppError.tooManyRequests("Too many sign-in attempts. Try again later.", retryAfter: retry)
        }
    }

    /// Anonymous sign-in: 400 when already signed in, 403 when disabled.
    public func signInAnonymous(previous: Session?) throws(AppError) -> Pending<SignedIn> {
        if previous != nil { throw AppError.badRequest("Already signed in") }
        guard allowAnonymous else { throw AppError.forbidden("Anonymous sign-in is disabled") }
        let now = clock()
        let user = User(id: UserID(RandomID.make(prefix: "user_")), name: "Anonymous", email: nil, image: nil, isAnonymous: true,
                        providerId: "anonymous", createdAt: now)
        return Pending.commit(storage.writer) { db in
            try Accounts.insertUser(user, passwordHash: nil, now: now, db: db)
            return SignedIn(user: user, token: try Accounts.insertSession(userID: user.id, now: now, db: db))
        }
    }

    /// Deletes the session whose cookie token is `token`.
    public func signOut(token: String) -> Pending<Void> {
        let hash = SHA256.hex(token)
        let now = clock()
        return Pending.commit(storage.writer) { db in
            // An anonymous user's last session ends now: housekeeping counts its 7 days from here.
            try db.run("""
                UPDATE users SET updated_at = max(updated_at, ?)
                WHERE is_anonymous = 1 AND id = (SELECT user_id FROM sessions WHERE token_hash = ?)
                """, [.int(now), .text(hash)])
            try Accounts.deleteSession(tokenHash: hash, db: db)
        }
    }

    /// `PATCH /api/user`: a new display name (OAuth users cannot change theirs).
    public func updateProfile(_ body: JSON, of user: User) throws(AppError) -> Pending<User> {
        let name = try Accounts.validateName(try body.optionalString("name"))
        if user.providerId == "github" || user.providerId == "google" {
            throw AppError.forbidden("Cannot update profile for OAuth users")
        }
        var renamed = user
        renamed.name = name
        let updated = renamed
        let now = clock()
        return Pending.commit(storage.writer) { db in
            try db.run("UPDATE users SET name = ?, updated_at = ? WHERE id = ?", [.text(name), .int(now), .text(user.id.raw)])
            return updated
        }
    }

    // MARK: - Command line

    /// `user create`: a user with a password hash (or an OAuth provider), written at once. Blocks.
    public func createUser(email: String, name: String, passwordHash: String?, provider: String) throws -> User {
        let now = clock()
        let user = User(id: UserID(RandomID.make(prefix: "user_")), name: name, email: email, image: nil, isAnonymous: false,
                        providerId: provider, createdAt: now)
        do {
            try storage.writer.sync { db in try Accounts.insertUser(user, passwordHash: passwordHash, now: now, db: db) }
        } catch {
            throw AppError.from(error)
        }
        return user
    }

    /// The user with `email` (already normalised), if any. Blocks.
    public func user(email: String) throws -> User? {
        try storage.read { db in try Accounts.userWithPassword(email: email, db: db) }?.0
    }

    // MARK: - Queries and write units

    static let userByEmailSQL = """
        SELECT u.id, u.name, u.email, u.image, u.is_anonymous, u.provider_id, u.created_at, u.password_hash
        FROM users u WHERE u.email = ?
        """

    static func userWithPassword(email: String, db: Database) throws -> (User, String?)? {
        try db.queryOne(userByEmailSQL, [.text(email)]) { row in (User(row: row), row.optionalText(7)) }
    }

    /// A new session row for `userID`; returns the cookie token (only its hash is stored).
    static func insertSession(userID: UserID, now: Int64, db: Database) throws -> String {
        let token = Token.random(bytes: 32)
        let expires = now + sessionLifetimeMs
        try db.run("""
            INSERT INTO sessions (id, user_id, token_hash, expires_at, created_at, updated_at, last_renewed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(RandomID.make(prefix: "sess_")), .text(userID.raw), .text(SHA256.hex(token)), .int(expires),
                  .int(now), .int(now), .int(now)])
        return token
    }

    static func insertUser(_ user: User, passwordHash: String?, now: Int64, db: Database) throws {
        do {
            try db.run("""
                INSERT INTO users (id, name, email, email_verified, image, is_anonymous, provider_id, password_hash,
                                   created_at, updated_at)
                VALUES (?, ?, ?, 0, NULL, ?, ?, ?, ?, ?)
                """, [.text(user.id.raw), .text(user.name), user.email.map { .text($0) } ?? .null, .int(user.isAnonymous ? 1 : 0),
                      .text(user.providerId), passwordHash.map { .text($0) } ?? .null, .int(now), .int(now)])
        } catch {
            if error.isUniqueViolation { throw AppError.conflict("User already exists") }
            throw error
        }
    }

    /// Signing up or in while holding a session: an anonymous user's data moves over and the anonymous user goes;
    /// a named session is replaced (deleted), also when it belongs to the user signing in again.
    static func replace(_ previous: Session?, with userID: UserID, db: Database) throws {
        guard let previous else { return }
        if previous.user.isAnonymous {
            try adoptAnonymous(previous.user.id, into: userID, db: db)
        } else {
            try deleteSession(tokenHash: previous.tokenHash, db: db)
        }
    }

    /// Moves an anonymous user's workflows, executions and integrations to `toUserID`, then deletes the anonymous
    /// user (its sessions go with it by cascade). A no-op unless `anonymousID` names an anonymous user.
    static func adoptAnonymous(_ anonymousID: UserID, into toUserID: UserID, db: Database) throws {
        let from = anonymousID.raw, to = toUserID.raw
        guard from != to,
              try db.queryOne("SELECT is_anonymous FROM users WHERE id = ?", [.text(from)], { $0.int(0) }) == 1
        else { return }
        try db.run("UPDATE workflows SET user_id = ? WHERE user_id = ?", [.text(to), .text(from)])
        try db.run("UPDATE executions SET user_id = ? WHERE user_id = ?", [.text(to), .text(from)])
        try db.run("UPDATE integrations SET user_id = ? WHERE user_id = ?", [.text(to), .text(from)])
        try db.run("DELETE FROM users WHERE id = ? AND is_anonymous = 1", [.text(from)])
    }

    static func deleteSession(tokenHash: String, db: Database) throws {
        try db.run("DELETE FROM sessions WHERE token_hash = ?", [.text(tokenHash)])
    }
}

/// A count of jobs in a bounded queue. Thread-safe (one atomic).
final class JobCount: Sendable {
    private let value = Atomic<Int>(0)

    /// Takes a place when fewer than `limit` are taken.
    func enter(limit: Int) -> Bool {
        if value.add(1, ordering: .relaxed).newValue <= limit { return true }
        value.subtract(1, ordering: .relaxed)
        return false
    }

    func leave() { value.subtract(1, ordering: .relaxed) }

    var current: Int { value.load(ordering: .relaxed) }
}
