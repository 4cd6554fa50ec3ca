// Handlers of SPEC §1 (auth and users). Validation runs on the loop in the spec's order; password hashing runs on
// the work pool; writes go through group commit.
import Crypto
import HTTP
import JSON
import Log
import Store
import HTTPCore

extension Application {
    func signUp(_ req: inout Request) throws -> Response {
        guard accounts.allowSignUp else { throw APIError.forbidden("Sign-up is disabled") }
        let body = try req.jsonObject()
        guard case .string(let rawEmail)? = body["email"], let email = Accounts.normalizeEmail(rawEmail) else {
            throw APIError.badRequest("Invalid email")
        }
        let password: String
        switch body["password"] {
        case nil, .null?: throw APIError.badRequest("Password must be at least 8 characters")
        case .string(let p)?: password = p
        default: throw APIError.badRequest("password must be a string")
        }
        guard password.scalarCount >= 8 else { throw APIError.badRequest("Password must be at least 8 characters") }
        guard password.scalarCount <= 128 else { throw APIError.badRequest("Password must be at most 128 characters") }
        let name = try Accounts.validateName(try body.optionalString("name"))
        let previous = try optionalSession(&req, renew: false)
        let now = now()
        let user = User(id: RandomID.make(prefix: "user_"), name: name, email: email, image: nil, isAnonymous: false,
                        providerId: "credential", createdAt: now)
        return offloadThenCommit(on: Accounts.hashPool, { PasswordHash.hash(password) }, { db, hash in
            try Accounts.insertUser(user, passwordHash: hash, now: now, db: db)
            let s = try Accounts.insertSession(userID: user.id, now: now, db: db)
            try Application.replace(previous, with: user.id, db: db)
            return s.token
        }, { token in self.userResponse(user, status: .created, cookie: token) })
    }

    func signIn(_ req: inout Request) throws -> Response {
        let body = try req.jsonObject()
        guard case .string(let rawEmail)? = body["email"], case .string(let password)? = body["password"],
              !rawEmail.trimmed.isEmpty, !password.isEmpty else {
            throw APIError.badRequest("Email and password are required")
        }
        let email = rawEmail.trimmed.lowercased()
        let ip = clientIP(req)
        let limiter = accounts.limiter
        // The attempt counts as a failure from here on (undone on success), so parallel guesses cannot all slip in
        // before the first failure is recorded.
        if let retry = limiter.begin(email: email, ip: ip, now: now()) {
            throw APIError.tooManyRequests("Too many sign-in attempts. Try again later.", retryAfter: retry)
        }
        let previous = try optionalSession(&req, renew: false)
        let storage = self.storage
        return offloadThenCommit(on: Accounts.hashPool, { () throws -> User in
            let found = email.scalarCount > 254 ? nil : try storage.read { db in try Accounts.userWithPassword(email: email, db: db) }
            guard let (user, hash) = found, let hash else {
                PasswordHash.dummyVerify(password)   // same cost as a real check: no timing oracle for unknown emails
                throw APIError.unauthorized("Invalid email or password")
            }
            guard PasswordHash.verify(password, against: hash) else {
                throw APIError.unauthorized("Invalid email or password")
            }
            limiter.clear(email: email, ip: ip)
            return user
        }, { db, user in
            let s = try Accounts.insertSession(userID: user.id, now: self.now(), db: db)
            try Application.replace(previous, with: user.id, db: db)
            return (user, s.token)
        }, { (result: (User, String)) in self.userResponse(result.0, status: .ok, cookie: result.1) })
    }

    func signInAnonymous(_ req: inout Request) throws -> Response {
        _ = try req.jsonObject(optional: true)
        if try optionalSession(&req, renew: false) != nil { throw APIError.badRequest("Already signed in") }
        guard accounts.allowAnonymous else { throw APIError.forbidden("Anonymous sign-in is disabled") }
        let now = now()
        let user = User(id: RandomID.make(prefix: "user_"), name: "Anonymous", email: nil, image: nil, isAnonymous: true,
                        providerId: "anonymous", createdAt: now)
        return commit({ db in
            try Accounts.insertUser(user, passwordHash: nil, now: now, db: db)
            return try Accounts.insertSession(userID: user.id, now: now, db: db).token
        }, { token in self.userResponse(user, status: .ok, cookie: token) })
    }

    func signOut(_ req: inout Request) throws -> Response {
        _ = try req.jsonObject(optional: true)
        let done = Response(status: .ok, headers: [("Content-Type", Response.jsonContentType), ("Set-Cookie", Application.clearCookie)],
                            body: .bytes(Array("{\"success\":true}".utf8)))
        guard let token = Application.sessionToken(req) else { return done }
        let hash = SHA256.hex(token)
        return commit({ db in try Accounts.deleteSession(tokenHash: hash, db: db) }, { _ in done })
    }

    func getSession(_ req: inout Request) throws -> Response {
        guard let s = try optionalSession(&req) else {
            return Response.json(Array("{\"session\":null,\"user\":null}".utf8))
        }
        var out: [UInt8] = []
        out.append(contentsOf: "{\"session\":{\"expiresAt\":\"".utf8)
        out.append(contentsOf: ISO8601.format(milliseconds: s.expiresAt).utf8)
        out.append(contentsOf: "\",\"createdAt\":\"".utf8)
        out.append(contentsOf: ISO8601.format(milliseconds: s.createdAt).utf8)
        out.append(contentsOf: "\"},\"user\":".utf8)
        s.user.write(to: &out)
        out.append(UInt8(ascii: "}"))
        return Response.json(out)
    }

    func getUser(_ req: inout Request) throws -> Response {
        Response.json(try requireSession(&req).user.json)
    }

    func patchUser(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let body = try req.jsonObject()
        let name = try Accounts.validateName(try body.optionalString("name"))
        if s.user.providerId == "github" || s.user.providerId == "google" {
            throw APIError.forbidden("Cannot update profile for OAuth users")
        }
        var renamed = s.user
        renamed.name = name
        let user = renamed
        let now = now()
        return commit({ db in
            try db.run("UPDATE users SET name = ?, updated_at = ? WHERE id = ?", [.text(name), .int(now), .text(user.id)])
        }, { _ in Response.json(user.json) })
    }

    // MARK: - Helpers

    /// Signing up or in while holding a session: an anonymous user's data moves over and the anonymous user goes;
    /// a named session is replaced (deleted), also when it belongs to the user signing in again.
    static func replace(_ previous: Session?, with userID: String, db: Database) throws {
        guard let previous else { return }
        if previous.user.isAnonymous {
            try Accounts.adoptAnonymous(previous.user.id, into: userID, db: db)
        } else {
            try Accounts.deleteSession(tokenHash: previous.tokenHash, db: db)
        }
    }

    func userResponse(_ user: User, status: Status, cookie token: String) -> Response {
        var out: [UInt8] = Array("{\"user\":".utf8)
        user.write(to: &out)
        out.append(UInt8(ascii: "}"))
        return Response(status: status, headers: [("Content-Type", Response.jsonContentType), ("Set-Cookie", sessionCookie(token))],
                        body: .bytes(out))
    }
}
