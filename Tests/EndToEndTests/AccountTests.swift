// Accounts end to end (SPEC §0 "Auth kinds", §1, §14 `user create`): sign-up, sign-in and its rate limit, anonymous
// users and the move of their data, sign-out, sessions (cookie, sliding renewal, expiry), the profile, the CLI, and
// what the database file holds. Real sockets and a real SQLite file: the spawned binary, or an in-process
// Application when the test needs to move the clock.
import App
import Crypto
import Dispatch
import Foundation
import JSON
import Store
import Testing

/// Cookie and user-shape checks shared by the suites.
enum AccountExpect {
    static let cookieAttributes = "; Path=/; HttpOnly; SameSite=Lax; Max-Age=604800"
    static let clearedCookie = "orchestrator_session=; Max-Age=0; Path=/"

    /// Exactly one Set-Cookie: a fresh 43-char base64url token with the §0 attributes (plus `Secure` if asked).
    static func sessionCookie(_ r: APIResponse, secure: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.setCookies.count == 1, "one Set-Cookie, got \(r.setCookies)", sourceLocation: sourceLocation)
        guard let token = r.sessionToken else {
            Issue.record("no session cookie in \(r.setCookies)", sourceLocation: sourceLocation)
            return
        }
        #expect(token.count == 43 && Shape.isBase64URL(token[...]), "token \(token)", sourceLocation: sourceLocation)
        #expect(r.setCookies.first == "orchestrator_session=\(token)" + cookieAttributes + (secure ? "; Secure" : ""),
                sourceLocation: sourceLocation)
    }

    /// A §1 `User` object with exactly the spec's members.
    static func user(_ u: JSON?, name: String, email: String?, anonymous: Bool = false, provider: String = "credential",
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Shape.keys(u) == ["id", "name", "email", "image", "isAnonymous", "providerId", "createdAt"],
                sourceLocation: sourceLocation)
        #expect(Shape.isID(u?["id"]?.string, prefix: "user_"), "id \(String(describing: u?["id"]))", sourceLocation: sourceLocation)
        #expect(u?["name"] == .string(name), sourceLocation: sourceLocation)
        #expect(u?["email"] == (email.map { .string($0) } ?? .null), sourceLocation: sourceLocation)
        #expect(u?["image"] == .null, sourceLocation: sourceLocation)
        #expect(u?["isAnonymous"] == .bool(anonymous), sourceLocation: sourceLocation)
        #expect(u?["providerId"] == .string(provider), sourceLocation: sourceLocation)
        #expect(Shape.isTimestamp(u?["createdAt"]?.string), sourceLocation: sourceLocation)
    }

    static func error(_ r: APIResponse, _ status: Int, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "status for \"\(message)\": got \(r.status) \(r.text)", sourceLocation: sourceLocation)
        #expect(r.text == Expected.errorBody(message), sourceLocation: sourceLocation)
        #expect(r.header("Content-Type") == Expected.jsonType, sourceLocation: sourceLocation)
    }
}

@Suite struct AccountTests {
    static let password = "correct horse battery"

    // MARK: - Sign-up

    @Test func signUpCreatesUserAndSession() throws {
        let server = try ServerProcess()
        let c = APIClient(port: server.port)
        let r = try c.send("POST", "/api/auth/sign-up/email",
                           body: #"{"email":"  Ada@Example.COM ","password":"correct horse battery","name":"Ada","extra":1}"#,
                           contentType: "application/json; charset=utf-8")
        #expect(r.status == 201)
        #expect(r.header("Content-Type") == Expected.jsonType)
        #expect(Shape.keys(r.json) == ["user"])
        AccountExpect.user(r.user, name: "Ada", email: "ada@example.com")
        AccountExpect.sessionCookie(r)

        let me = try c.get("/api/user")
        #expect(me.status == 200)
        #expect(me.json == r.user)
        #expect(me.setCookies.isEmpty, "a fresh session is not renewed")

        let s = try c.get("/api/auth/get-session")
        #expect(s.status == 200)
        #expect(Shape.keys(s.json) == ["session", "user"])
        #expect(Shape.keys(s.json?["session"]) == ["expiresAt", "createdAt"])
        #expect(Shape.isTimestamp(s.json?["session"]?["expiresAt"]?.string))
        #expect(Shape.isTimestamp(s.json?["session"]?["createdAt"]?.string))
        #expect(s.json?["user"] == r.user)
    }

    @Test func signUpValidationRunsInSpecOrder() throws {
        let server = try ServerProcess()
        let c = APIClient(port: server.port)
        func expectSignUp(_ body: String, contentType: String? = "application/json", _ status: Int, _ message: String,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
            let r = try c.send("POST", "/api/auth/sign-up/email", body: body, contentType: contentType)
            AccountExpect.error(r, status, message, sourceLocation: sourceLocation)
            #expect(r.setCookies.isEmpty, sourceLocation: sourceLocation)
        }
        // Generic body errors (§0).
        try expectSignUp(#"{"email":"a@example.com"}"#, contentType: nil, 415, "Content-Type must be application/json")
        try expectSignUp(#"{"email":"a@example.com"}"#, contentType: "text/plain", 415, "Content-Type must be application/json")
        try expectSignUp(#"{"email":"#, 400, "Invalid JSON body")
        try expectSignUp("[1,2]", 400, "Request body must be a JSON object")
        try expectSignUp(#""a string""#, 400, "Request body must be a JSON object")

        // Email first: missing, not a string, malformed — each with a bad password and no name too.
        let invalidEmail = "Invalid email"
        try expectSignUp("{}", 400, invalidEmail)
        try expectSignUp(#"{"password":"x"}"#, 400, invalidEmail)
        try expectSignUp(#"{"email":null,"password":"x"}"#, 400, invalidEmail)
        try expectSignUp(#"{"email":42,"password":"x"}"#, 400, invalidEmail)
        try expectSignUp(#"{"email":["a@example.com"],"password":"x"}"#, 400, invalidEmail)
        let tooLong = String(repeating: "a", count: 243) + "@example.com"   // 255 chars
        for bad in ["", "   ", "plain-address", "@example.com", "user@", "user@example", "user@@example.com",
                    "a@b@example.com", tooLong] {
            try expectSignUp(JSON.object([("email", .string(bad)), ("password", "x")]).text, 400, invalidEmail)
        }

        // Then the password: missing, short, long (Unicode scalars count), and a wrong type at its place.
        let email = "order@example.com"
        func body(_ password: JSON?, _ name: JSON? = nil) -> String {
            var o: JSON = ["email": .string(email)]
            if let password { o.set("password", password) }
            if let name { o.set("name", name) }
            return o.text
        }
        try expectSignUp(body(nil), 400, "Password must be at least 8 characters")
        try expectSignUp(body(.null), 400, "Password must be at least 8 characters")
        try expectSignUp(body("1234567"), 400, "Password must be at least 8 characters")
        // 7 scalars (14 UTF-16 units, 28 bytes) is still too short.
        try expectSignUp(body(.string(String(repeating: "😀", count: 7))), 400, "Password must be at least 8 characters")
        try expectSignUp(body(.string(String(repeating: "é", count: 129))), 400, "Password must be at most 128 characters")
        try expectSignUp(body(12345678), 400, "password must be a string")

        // Then the name: missing, blank, too long (201 scalars in 101 graphemes), wrong type.
        let good: JSON = "good password"
        try expectSignUp(body(good), 400, "Name is required")
        try expectSignUp(body(good, .null), 400, "Name is required")
        try expectSignUp(body(good, ""), 400, "Name is required")
        try expectSignUp(body(good, " \t\n "), 400, "Name is required")
        try expectSignUp(body(good, .string(String(repeating: "e\u{301}", count: 100) + "x")), 400,
                         "Name must be at most 200 characters")
        try expectSignUp(body(good, 7), 400, "name must be a string")

        // Boundaries that pass: 8 scalars in 4 graphemes, a 200-scalar name in 100 graphemes.
        let name200 = String(repeating: "e\u{301}", count: 100)
        let ok = try c.signUp(email, String(repeating: "e\u{301}", count: 4), name: name200)
        #expect(ok.status == 201)
        AccountExpect.user(ok.user, name: name200, email: email)
        // 128 scalars (512 bytes) is the longest password.
        let longest = try APIClient(port: server.port).signUp("longest@example.com", String(repeating: "😀", count: 128))
        #expect(longest.status == 201)
        #expect(try APIClient(port: server.port).signIn("longest@example.com", String(repeating: "😀", count: 128)).status == 200)

        // The duplicate check comes last: a taken email with a bad password is a password error; then 409,
        // matched after trimming and lower-casing.
        try expectSignUp(body("short"), 400, "Password must be at least 8 characters")
        try expectSignUp(JSON.object([("email", "  ORDER@example.com "), ("password", good), ("name", "Again")]).text,
                         409, "User already exists")
    }

    @Test func signUpDisabledIsForbiddenBeforeAnyBodyCheck() throws {
        let server = try ServerProcess(environment: ["ORCHESTRATOR_ALLOW_SIGNUP": "false"])
        let c = APIClient(port: server.port)
        AccountExpect.error(try c.send("POST", "/api/auth/sign-up/email", body: "{", contentType: nil), 403, "Sign-up is disabled")
        AccountExpect.error(try c.send("POST", "/api/auth/sign-up/email", body: "[]"), 403, "Sign-up is disabled")
        AccountExpect.error(try c.signUp("new@example.com", Self.password), 403, "Sign-up is disabled")
        // Anonymous sign-in is a separate switch.
        #expect(try c.signInAnonymously().status == 200)
    }

    @Test func concurrentSignUpsOfOneEmailCreateOneUser() throws {
        let server = try ServerProcess()
        let port = server.port
        let email = "race@example.com"
        let statuses = LockedBox<[Int]>([])
        let group = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        let threads = 10
        for _ in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                let c = APIClient(port: port)
                start.wait()
                let status = (try? c.signUp(email, AccountTests.password))?.status ?? -1
                statuses.withLock { $0.append(status) }
                group.leave()
            }
        }
        for _ in 0..<threads { start.signal() }
        #expect(group.wait(timeout: .now() + 120) == .success)
        let got = statuses.value
        #expect(got.filter { $0 == 201 }.count == 1, "\(got)")
        #expect(got.filter { $0 == 409 }.count == threads - 1, "\(got)")

        let db = try Database.openReader(path: server.dataDir + "/orchestrator.db")
        #expect(try DBFiles.int(db, "SELECT COUNT(*) FROM users WHERE email = ?", [.text(email)]) == 1)
        #expect(try DBFiles.int(db, "SELECT COUNT(*) FROM sessions") == 1)
    }

    // MARK: - Sign-in

    @Test func signInSucceedsAndReportsErrors() throws {
        let server = try ServerProcess()
        let email = uniqueEmail("signin")
        #expect(try APIClient(port: server.port).signUp(email, Self.password, name: "Sig").status == 201)

        let c = APIClient(port: server.port)
        AccountExpect.error(try c.send("POST", "/api/auth/sign-in/email", body: #"{"email":"x"}"#, contentType: nil),
                            415, "Content-Type must be application/json")
        AccountExpect.error(try c.send("POST", "/api/auth/sign-in/email", body: "nope"), 400, "Invalid JSON body")
        AccountExpect.error(try c.send("POST", "/api/auth/sign-in/email", body: "[]"), 400, "Request body must be a JSON object")
        let required = "Email and password are required"
        for body in ["{}", #"{"email":"\#(email)"}"#, #"{"password":"x"}"#, #"{"email":"\#(email)","password":""}"#,
                     #"{"email":"","password":"x"}"#, #"{"email":7,"password":"x"}"#, #"{"email":"\#(email)","password":null}"#] {
            AccountExpect.error(try c.send("POST", "/api/auth/sign-in/email", body: body), 400, required)
        }
        let wrong = try c.signIn(email, "wrong password")
        AccountExpect.error(wrong, 401, "Invalid email or password")
        #expect(wrong.setCookies.isEmpty)
        AccountExpect.error(try c.signIn("nobody@example.com", Self.password), 401, "Invalid email or password")

        // Emails are trimmed and lower-cased on sign-in too.
        let ok = try c.signIn("  " + email.uppercased() + " ", Self.password)
        #expect(ok.status == 200)
        #expect(Shape.keys(ok.json) == ["user"])
        AccountExpect.user(ok.user, name: "Sig", email: email)
        AccountExpect.sessionCookie(ok)
        let first = try #require(c.session)
        #expect(try c.get("/api/user").json == ok.user)

        // Signing in while holding a named session replaces it: the old token stops working.
        let again = try c.signIn(email, Self.password)
        #expect(again.status == 200)
        #expect(c.session != nil && c.session != first)
        #expect(try c.get("/api/user").status == 200)
        AccountExpect.error(try APIClient(port: server.port, session: first).get("/api/user"), 401, "Unauthorized")

        // Also when the held session belongs to another user.
        let otherEmail = uniqueEmail("other")
        let other = APIClient(port: server.port)
        #expect(try other.signUp(otherEmail, Self.password, name: "Other").status == 201)
        let held = try #require(c.session)
        let switched = try c.signIn(otherEmail, Self.password)
        #expect(switched.status == 200)
        #expect(switched.user?["name"] == "Other")
        AccountExpect.error(try APIClient(port: server.port, session: held).get("/api/user"), 401, "Unauthorized")
        #expect(try other.get("/api/user").status == 200)
    }

    @Test func signInRateLimitWindowStartsAtFirstFailure() throws {
        let app = try LocalApp(environment: ["ORCHESTRATOR_SIGNIN_MAX_FAILURES": "3", "ORCHESTRATOR_SIGNIN_WINDOW_S": "60"])
        defer { app.stop() }
        let email = uniqueEmail("limit")
        #expect(try app.client().signUp(email, Self.password).status == 201)
        let c = app.client()
        let tooMany = "Too many sign-in attempts. Try again later."

        // Three failures, 10 s apart: the window runs from the first one.
        AccountExpect.error(try c.signIn(email, "wrong 1"), 401, "Invalid email or password")
        app.clock.advance(seconds: 10)
        AccountExpect.error(try c.signIn(email, "wrong 2"), 401, "Invalid email or password")
        app.clock.advance(seconds: 10)
        AccountExpect.error(try c.signIn(email, "wrong 3"), 401, "Invalid email or password")

        // Locked for the rest of the window, even with the right password.
        let locked = try c.signIn(email, Self.password)
        AccountExpect.error(locked, 429, tooMany)
        #expect(locked.header("Retry-After") == "40")
        #expect(locked.setCookies.isEmpty)
        AccountExpect.error(try c.signIn(email, "wrong 4"), 429, tooMany)
        // Without ORCHESTRATOR_TRUST_PROXY, X-Forwarded-For does not change the client IP.
        let spoofed = try c.signIn(email, Self.password, headers: ["X-Forwarded-For: 198.51.100.9"])
        AccountExpect.error(spoofed, 429, tooMany)
        // The count is per email: another one is not locked.
        AccountExpect.error(try c.signIn(uniqueEmail("other"), Self.password), 401, "Invalid email or password")

        app.clock.advance(seconds: 39)   // 59 s after the first failure
        let last = try c.signIn(email, Self.password)
        AccountExpect.error(last, 429, tooMany)
        #expect(last.header("Retry-After") == "1")

        app.clock.advance(seconds: 1)    // the window is over
        let ok = try c.signIn(email, Self.password)
        #expect(ok.status == 200)
        AccountExpect.sessionCookie(ok)

        // A success clears the count: two failures, a success, then two more failures are still 401s...
        AccountExpect.error(try c.signIn(email, "wrong a"), 401, "Invalid email or password")
        AccountExpect.error(try c.signIn(email, "wrong b"), 401, "Invalid email or password")
        #expect(try c.signIn(email, Self.password).status == 200)
        AccountExpect.error(try c.signIn(email, "wrong c"), 401, "Invalid email or password")
        AccountExpect.error(try c.signIn(email, "wrong d"), 401, "Invalid email or password")
        #expect(try c.signIn(email, Self.password).status == 200)
        // ...and three in a row lock again.
        for _ in 0..<3 { AccountExpect.error(try c.signIn(email, "wrong e"), 401, "Invalid email or password") }
        AccountExpect.error(try c.signIn(email, Self.password), 429, tooMany)
    }

    @Test func signInRateLimitUsesLastForwardedHopBehindATrustedProxy() throws {
        let app = try LocalApp(environment: ["ORCHESTRATOR_TRUST_PROXY": "true", "ORCHESTRATOR_SIGNIN_MAX_FAILURES": "2",
                                             "ORCHESTRATOR_SIGNIN_WINDOW_S": "900"])
        defer { app.stop() }
        let email = uniqueEmail("proxy")
        #expect(try app.client().signUp(email, Self.password).status == 201)
        let c = app.client()
        let blocked = ["X-Forwarded-For: 203.0.113.7"]
        AccountExpect.error(try c.signIn(email, "wrong", headers: blocked), 401, "Invalid email or password")
        AccountExpect.error(try c.signIn(email, "wrong", headers: blocked), 401, "Invalid email or password")

        let locked = try c.signIn(email, Self.password, headers: blocked)
        AccountExpect.error(locked, 429, "Too many sign-in attempts. Try again later.")
        #expect(locked.header("Retry-After") == "900")
        // The last hop is the one that counts.
        AccountExpect.error(try c.signIn(email, Self.password, headers: ["X-Forwarded-For: 198.51.100.1, 203.0.113.7"]),
                            429, "Too many sign-in attempts. Try again later.")
        #expect(try c.signIn(email, Self.password, headers: ["X-Forwarded-For: 203.0.113.7, 198.51.100.1"]).status == 200)
        #expect(try c.signIn(email, Self.password, headers: ["X-Forwarded-For: 203.0.113.8"]).status == 200)
        // Without the header the socket peer (127.0.0.1) is the client.
        #expect(try c.signIn(email, Self.password).status == 200)
    }

    // MARK: - Anonymous users

    @Test func anonymousSignIn() throws {
        let server = try ServerProcess()
        let c = APIClient(port: server.port)
        let r = try c.signInAnonymously()
        #expect(r.status == 200)
        #expect(Shape.keys(r.json) == ["user"])
        AccountExpect.user(r.user, name: "Anonymous", email: nil, anonymous: true, provider: "anonymous")
        AccountExpect.sessionCookie(r)
        #expect(try c.get("/api/user").json == r.user)
        #expect(try c.get("/api/auth/get-session").json?["user"] == r.user)

        // A valid session: 400, and the session stays as it was.
        let again = try c.signInAnonymously()
        AccountExpect.error(again, 400, "Already signed in")
        #expect(again.setCookies.isEmpty)
        #expect(try c.get("/api/user").json == r.user)

        // Body optional: `{}` is fine; an unknown or garbage cookie is no session.
        let other = APIClient(port: server.port, session: "bm90LWEtcmVhbC1zZXNzaW9uLXRva2VuLWF0LWFsbC4uLg")
        let second = try other.send("POST", "/api/auth/sign-in/anonymous", body: "{}")
        #expect(second.status == 200)
        #expect(second.user?["id"] != r.user?["id"])
        // A non-empty body still needs the JSON content type.
        AccountExpect.error(try APIClient(port: server.port).send("POST", "/api/auth/sign-in/anonymous", body: "x",
                                                                  contentType: "text/plain"),
                            415, "Content-Type must be application/json")
    }

    @Test func anonymousSignInDisabled() throws {
        let server = try ServerProcess(environment: ["ORCHESTRATOR_ALLOW_ANONYMOUS": "false"])
        AccountExpect.error(try APIClient(port: server.port).signInAnonymously(), 403, "Anonymous sign-in is disabled")
        // "Already signed in" is checked first.
        let named = APIClient(port: server.port)
        #expect(try named.signUp(uniqueEmail(), Self.password).status == 201)
        AccountExpect.error(try named.signInAnonymously(), 400, "Already signed in")
    }

    @Test func signUpMovesAnonymousDataAndDeletesTheAnonymousUser() throws {
        let server = try ServerProcess()
        let c = APIClient(port: server.port)
        let anonID = try #require(try c.signInAnonymously().user?["id"]?.string)
        let anonToken = try #require(c.session)
        let path = server.dataDir + "/orchestrator.db"
        let seeded = try Self.seedData(path: path, userID: anonID)

        let r = try c.signUp(uniqueEmail("mover"), Self.password, name: "Mover")
        #expect(r.status == 201)
        let newID = try #require(r.user?["id"]?.string)
        #expect(newID != anonID)
        #expect(c.session != anonToken)
        try Self.expectMoved(path: path, seeded, from: anonID, to: newID)
        AccountExpect.error(try APIClient(port: server.port, session: anonToken).get("/api/user"), 401, "Unauthorized")
        #expect(try c.get("/api/user").json?["id"] == .string(newID))
    }

    @Test func signInMovesAnonymousDataAndDeletesTheAnonymousUser() throws {
        let server = try ServerProcess()
        let email = uniqueEmail("owner")
        let owner = APIClient(port: server.port)
        let ownerID = try #require(try owner.signUp(email, Self.password).user?["id"]?.string)

        let c = APIClient(port: server.port)
        let anonID = try #require(try c.signInAnonymously().user?["id"]?.string)
        let anonToken = try #require(c.session)
        let path = server.dataDir + "/orchestrator.db"
        let seeded = try Self.seedData(path: path, userID: anonID)

        let r = try c.signIn(email, Self.password)
        #expect(r.status == 200)
        #expect(r.user?["id"] == .string(ownerID))
        try Self.expectMoved(path: path, seeded, from: anonID, to: ownerID)
        AccountExpect.error(try APIClient(port: server.port, session: anonToken).get("/api/user"), 401, "Unauthorized")
        // The owner's other session is untouched.
        #expect(try owner.get("/api/user").status == 200)
    }

    /// Rows of every kind that moves (§1), written straight into the database the server uses.
    struct Seeded { let workflow: String, execution: String, integration: String }

    static func seedData(path: String, userID: String) throws -> Seeded {
        let db = try Database.open(path: path)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let s = Seeded(workflow: RandomID.make(prefix: "wf_"), execution: RandomID.make(prefix: "exec_"),
                       integration: RandomID.make(prefix: "int_"))
        try db.run("INSERT INTO workflows (id, user_id, name, created_at, updated_at) VALUES (?, ?, 'Anon flow', ?, ?)",
                   [.text(s.workflow), .text(userID), .int(now), .int(now)])
        try db.run("""
            INSERT INTO executions (id, workflow_id, user_id, status, trigger_kind, nodes, edges, started_at)
            VALUES (?, ?, ?, 'success', 'manual', '[]', '[]', ?)
            """, [.text(s.execution), .text(s.workflow), .text(userID), .int(now)])
        try db.run("""
            INSERT INTO integrations (id, user_id, name, type, config_encrypted, created_at, updated_at)
            VALUES (?, ?, 'Slack', 'slack', 'v1:00:00:00', ?, ?)
            """, [.text(s.integration), .text(userID), .int(now), .int(now)])
        return s
    }

    static func expectMoved(path: String, _ s: Seeded, from anonID: String, to userID: String,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let db = try Database.openReader(path: path)
        #expect(try DBFiles.text(db, "SELECT user_id FROM workflows WHERE id = ?", [.text(s.workflow)]) == userID,
                sourceLocation: sourceLocation)
        #expect(try DBFiles.text(db, "SELECT user_id FROM executions WHERE id = ?", [.text(s.execution)]) == userID,
                sourceLocation: sourceLocation)
        #expect(try DBFiles.text(db, "SELECT user_id FROM integrations WHERE id = ?", [.text(s.integration)]) == userID,
                sourceLocation: sourceLocation)
        #expect(try DBFiles.int(db, "SELECT COUNT(*) FROM users WHERE id = ?", [.text(anonID)]) == 0, sourceLocation: sourceLocation)
        #expect(try DBFiles.int(db, "SELECT COUNT(*) FROM sessions WHERE user_id = ?", [.text(anonID)]) == 0,
                sourceLocation: sourceLocation)
    }

    // MARK: - Sign-out and get-session

    @Test func signOutClearsTheCookieAndIsIdempotent() throws {
        let server = try ServerProcess()
        let c = APIClient(port: server.port)
        #expect(try c.signInAnonymously().status == 200)
        let token = try #require(c.session)

        for session in [token, token, nil] {   // live session, the same (now dead) one, none
            let out = try APIClient(port: server.port, session: session).post("/api/auth/sign-out")
            #expect(out.status == 200)
            #expect(out.text == #"{"success":true}"#)
            #expect(out.header("Content-Type") == Expected.jsonType)
            #expect(out.setCookies == [AccountExpect.clearedCookie])
        }
        // A body is optional but allowed.
        #expect(try APIClient(port: server.port).send("POST", "/api/auth/sign-out", body: "{}").status == 200)

        let dead = APIClient(port: server.port, session: token)
        AccountExpect.error(try dead.get("/api/user"), 401, "Unauthorized")
        #expect(try dead.get("/api/auth/get-session").text == #"{"session":null,"user":null}"#)
    }

    @Test func getSessionWithoutASession() throws {
        let server = try ServerProcess()
        for session in [nil, "unknown-token", String(repeating: "A", count: 43)] {
            let r = try APIClient(port: server.port, session: session).get("/api/auth/get-session")
            #expect(r.status == 200)
            #expect(r.text == #"{"session":null,"user":null}"#)
            #expect(r.header("Content-Type") == Expected.jsonType)
            #expect(r.setCookies.isEmpty)
        }
    }

    // MARK: - Profile

    @Test func profileReadAndUpdate() throws {
        let server = try ServerProcess()
        let anon = APIClient(port: server.port)
        AccountExpect.error(try anon.get("/api/user"), 401, "Unauthorized")
        AccountExpect.error(try anon.patch("/api/user", ["name": "X"]), 401, "Unauthorized")

        let c = APIClient(port: server.port)
        let email = uniqueEmail("profile")
        let created = try #require(try c.signUp(email, Self.password, name: "Grace").user)
        #expect(try c.get("/api/user").json == created)

        // Only the name changes; other fields are ignored.
        let r = try c.patch("/api/user", ["name": "Grace Hopper", "email": "other@example.com", "isAnonymous": true])
        #expect(r.status == 200)
        AccountExpect.user(r.json, name: "Grace Hopper", email: email)
        #expect(r.json?["id"] == created["id"] && r.json?["createdAt"] == created["createdAt"])
        #expect(try c.get("/api/user").json == r.json)

        AccountExpect.error(try c.patch("/api/user", [:]), 400, "Name is required")
        AccountExpect.error(try c.patch("/api/user", ["name": .null]), 400, "Name is required")
        AccountExpect.error(try c.patch("/api/user", ["name": "   "]), 400, "Name is required")
        AccountExpect.error(try c.patch("/api/user", ["name": .string(String(repeating: "n", count: 201))]), 400,
                            "Name must be at most 200 characters")
        AccountExpect.error(try c.patch("/api/user", ["name": 3]), 400, "name must be a string")
        AccountExpect.error(try c.send("PATCH", "/api/user", body: #"{"name":"A"}"#, contentType: nil), 415,
                            "Content-Type must be application/json")
        AccountExpect.error(try c.send("PATCH", "/api/user", body: "{name}"), 400, "Invalid JSON body")
        AccountExpect.error(try c.send("PATCH", "/api/user", body: #"["name"]"#), 400, "Request body must be a JSON object")
        let long = String(repeating: "ñ", count: 200)
        #expect(try c.patch("/api/user", ["name": .string(long)]).json?["name"] == .string(long))

        // Anonymous users may rename themselves.
        let a = APIClient(port: server.port)
        #expect(try a.signInAnonymously().status == 200)
        let renamed = try a.patch("/api/user", ["name": "Visitor"])
        #expect(renamed.status == 200)
        AccountExpect.user(renamed.json, name: "Visitor", email: nil, anonymous: true, provider: "anonymous")
    }

    /// OAuth users have no password, so no route gives them a session: the CLI creates the user, and the test writes
    /// a session row (SHA-256 of a token it chose) straight into the server's database.
    @Test func oauthUsersCannotUpdateTheirProfile() throws {
        let server = try ServerProcess()
        let created = try OrchestratorCLI.run(["user", "create", "--email", "octo@example.com", "--name", "Octo",
                                               "--provider", "github", "--data-dir", server.dataDir])
        #expect(created.code == 0, "\(created.stderr)")
        let user = try JSON.parse(created.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        AccountExpect.user(user, name: "Octo", email: "octo@example.com", provider: "github")
        let userID = try #require(user["id"]?.string)

        // No password: the same 401 as a wrong one.
        AccountExpect.error(try APIClient(port: server.port).signIn("octo@example.com", "any password at all"), 401,
                            "Invalid email or password")

        let token = Token.random(bytes: 32)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let db = try Database.open(path: server.dataDir + "/orchestrator.db")
        try db.run("""
            INSERT INTO sessions (id, user_id, token_hash, expires_at, created_at, updated_at, last_renewed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text("sess_test"), .text(userID), .text(SHA256.hex(token)), .int(now + 7 * 86_400_000), .int(now), .int(now),
                  .int(now)])

        let c = APIClient(port: server.port, session: token)
        #expect(try c.get("/api/user").json == user)
        // Body validation comes first, then the provider check.
        AccountExpect.error(try c.patch("/api/user", [:]), 400, "Name is required")
        AccountExpect.error(try c.patch("/api/user", ["name": "New name"]), 403, "Cannot update profile for OAuth users")
        #expect(try c.get("/api/user").json?["name"] == "Octo")
    }

    // MARK: - Cookies and sliding sessions

    struct CookieCase: Sendable, CustomTestStringConvertible {
        let environment: [String: String]
        let flags: [String]
        let secure: Bool
        var testDescription: String { "env \(environment) flags \(flags) secure \(secure)" }
    }

    @Test(arguments: [
        CookieCase(environment: [:], flags: [], secure: false),
        CookieCase(environment: ["ORCHESTRATOR_PUBLIC_URL": "https://orchestrator.example.com"], flags: [], secure: true),
        CookieCase(environment: [:], flags: ["--public-url", "https://orchestrator.example.com/"], secure: true),
        // Flag beats environment.
        CookieCase(environment: ["ORCHESTRATOR_PUBLIC_URL": "https://orchestrator.example.com"],
                   flags: ["--public-url", "http://localhost:8080"], secure: false),
    ])
    func cookieIsSecureOnlyBehindAnHTTPSPublicURL(_ cookieCase: CookieCase) throws {
        let (environment, flags, secure) = (cookieCase.environment, cookieCase.flags, cookieCase.secure)
        let server = try ServerProcess(flags: flags, environment: environment)
        let c = APIClient(port: server.port)
        AccountExpect.sessionCookie(try c.signInAnonymously(), secure: secure)
        // Sign-out clears the cookie with the same attributes whatever the URL.
        #expect(try c.post("/api/auth/sign-out").setCookies == [AccountExpect.clearedCookie])
    }

    @Test func sessionsSlideAndExpire() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let day: Int64 = 86_400_000
        let t0 = ManualClock.start
        let c = app.client()
        let signedIn = try c.signInAnonymously()
        #expect(signedIn.user?["createdAt"] == "2026-01-01T00:00:00.000Z")
        let token = try #require(c.session)
        let db = try Database.openReader(path: app.dbPath)
        func storedExpiry() -> Int64? {
            try? DBFiles.int(db, "SELECT expires_at FROM sessions WHERE token_hash = ?", [.text(SHA256.hex(token))])
        }

        let s = try c.get("/api/auth/get-session")
        #expect(s.json?["session"] == ["expiresAt": "2026-01-08T00:00:00.000Z", "createdAt": "2026-01-01T00:00:00.000Z"])
        #expect(storedExpiry() == t0 + 7 * day)

        // More than 6 days left: no renewal, no cookie.
        app.clock.advance(ms: day - 60_000)
        let early = try c.get("/api/user")
        #expect(early.status == 200)
        #expect(early.setCookies.isEmpty)
        #expect(try c.get("/api/auth/get-session").json?["session"]?["expiresAt"] == "2026-01-08T00:00:00.000Z")

        // Less than 6 days left: extended to now + 7 days and the same token re-sent with the §0 attributes.
        app.clock.advance(ms: 120_000)   // t0 + 1 day + 1 min
        let renewed = try c.get("/api/user")
        #expect(renewed.status == 200)
        AccountExpect.sessionCookie(renewed)
        #expect(renewed.sessionToken == token)
        #expect(eventually { storedExpiry() == t0 + 8 * day + 60_000 })
        let after = try c.get("/api/auth/get-session")
        #expect(after.json?["session"]?["expiresAt"] == "2026-01-09T00:01:00.000Z")
        #expect(after.json?["session"]?["createdAt"] == "2026-01-01T00:00:00.000Z")
        #expect(after.setCookies.isEmpty, "at most one renewal a day")

        app.clock.advance(ms: day - 120_000)   // still more than 6 days left of the renewed session
        #expect(try c.get("/api/user").setCookies.isEmpty)

        // Past the original expiry the renewed session still works (and slides again).
        app.clock.advance(ms: t0 + 7 * day + 1 - app.clock.now)
        let late = try c.get("/api/user")
        #expect(late.status == 200)
        #expect(late.sessionToken == token)
        #expect(eventually { storedExpiry() == t0 + 14 * day + 1 })

        // Past the last expiry: 401 and no session, and no cookie is re-sent.
        app.clock.advance(ms: 7 * day + 1)
        let expired = try c.get("/api/user")
        AccountExpect.error(expired, 401, "Unauthorized")
        #expect(expired.setCookies.isEmpty)
        #expect(try c.get("/api/auth/get-session").text == #"{"session":null,"user":null}"#)

        // A session never used after sign-in simply expires after 7 days.
        let idle = app.client()
        #expect(try idle.signInAnonymously().status == 200)
        app.clock.advance(ms: 7 * day - 1)
        #expect(try idle.get("/api/user").status == 200)   // renews: the last millisecond still counts
        let idle2 = app.client()
        #expect(try idle2.signInAnonymously().status == 200)
        app.clock.advance(ms: 7 * day + 1)
        AccountExpect.error(try idle2.get("/api/user"), 401, "Unauthorized")
    }

    // MARK: - What the database holds

    @Test func databaseNeverHoldsPasswordsTokensOrKeysInPlaintext() throws {
        let server = try ServerProcess()
        let path = server.dataDir + "/orchestrator.db"
        let email = uniqueEmail("secret")
        let password = "Plaintext-Pa55word-Zq9x"
        let c = APIClient(port: server.port)
        #expect(try c.signUp(email, password).status == 201)
        let token1 = try #require(c.session)
        let other = APIClient(port: server.port)
        #expect(try other.signIn(email, password).status == 200)
        let token2 = try #require(other.session)
        let wrongPassword = "Wrong-Pa55word-Qv7y"
        #expect(try APIClient(port: server.port).signIn(email, wrongPassword).status == 401)
        let created = try c.post("/api/api-keys", ["name": "secret-key"])
        #expect(created.status == 201)
        let key = try #require(created.json?["key"]?.string)

        // The stored forms are there (so these are the right files)...
        #expect(DBFiles.contain(path, email))
        #expect(DBFiles.contain(path, SHA256.hex(token1)))
        #expect(DBFiles.contain(path, SHA256.hex(token2)))
        #expect(DBFiles.contain(path, SHA256.hex(key)))
        #expect(DBFiles.contain(path, String(key.prefix(11))))
        // ...the secrets are not.
        for secret in [password, wrongPassword, token1, token2, key] {
            #expect(!DBFiles.contain(path, secret), "plaintext secret in the database files")
        }

        // The password hash has the §1 format.
        let db = try Database.openReader(path: path)
        let hash = try #require(try DBFiles.text(db, "SELECT password_hash FROM users WHERE email = ?", [.text(email)]))
        let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
        #expect(parts.count == 6 && parts[0...3] == ["scrypt", "32768", "8", "1"], "\(hash)")
        if parts.count == 6 {
            #expect(parts[4].count == 32 && parts[4].allSatisfy(\.isHexDigit))
            #expect(parts[5].count == 128 && parts[5].allSatisfy(\.isHexDigit))
        }
    }

    // MARK: - CLI

    @Test func cliUserCreate() throws {
        let server = try ServerProcess()
        let dir = ["--data-dir", server.dataDir]

        // Password from stdin.
        let fromStdin = try OrchestratorCLI.run(["user", "create", "--email", "  Cli@Example.com", "--name", "Cli"] + dir,
                                                stdin: "stdin-password-1\n")
        #expect(fromStdin.code == 0, "\(fromStdin.stderr)")
        let user = try JSON.parse(fromStdin.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        AccountExpect.user(user, name: "Cli", email: "cli@example.com")
        let signedIn = try APIClient(port: server.port).signIn("cli@example.com", "stdin-password-1")
        #expect(signedIn.status == 200)
        #expect(signedIn.user == user)

        // Password from the flag.
        let fromFlag = try OrchestratorCLI.run(["user", "create", "--email", "flag@example.com", "--name", "Flag",
                                                "--password", "flag-password-1"] + dir)
        #expect(fromFlag.code == 0, "\(fromFlag.stderr)")
        #expect(try APIClient(port: server.port).signIn("flag@example.com", "flag-password-1").status == 200)

        // Duplicate: exit 1, nothing on stdout.
        let duplicate = try OrchestratorCLI.run(["user", "create", "--email", "CLI@example.com", "--name", "Again",
                                                 "--password", "another-password"] + dir)
        #expect(duplicate.code == 1)
        #expect(duplicate.stderr.contains("User already exists"), "\(duplicate.stderr)")
        #expect(duplicate.stdout.isEmpty)
        let github = try OrchestratorCLI.run(["user", "create", "--email", "cli@example.com", "--name", "Again",
                                              "--provider", "github"] + dir)
        #expect(github.code == 1)
        #expect(github.stderr.contains("User already exists"))

        // A short password from stdin is refused like the API refuses it.
        let short = try OrchestratorCLI.run(["user", "create", "--email", "short@example.com", "--name", "S"] + dir, stdin: "short\n")
        #expect(short.code == 1)
        #expect(short.stderr.contains("Password must be at least 8 characters"))
    }

    @Test func cliAPIKeyCreate() throws {
        let server = try ServerProcess()
        let dir = ["--data-dir", server.dataDir]
        let unknown = try OrchestratorCLI.run(["apikey", "create", "--email", "ghost@example.com"] + dir)
        #expect(unknown.code == 1)
        #expect(unknown.stderr.contains("User not found"), "\(unknown.stderr)")
        #expect(unknown.stdout.isEmpty)

        let email = uniqueEmail("keys")
        let c = APIClient(port: server.port)
        #expect(try c.signUp(email, Self.password).status == 201)
        let made = try OrchestratorCLI.run(["apikey", "create", "--email", email.uppercased(), "--name", "deploy"] + dir)
        #expect(made.code == 0, "\(made.stderr)")
        let created = try JSON.parse(made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(Shape.keys(created) == ["id", "name", "key", "keyPrefix", "createdAt"])
        #expect(Shape.isID(created["id"]?.string, prefix: "key_"))
        #expect(created["name"] == "deploy")
        let key = try #require(created["key"]?.string)
        #expect(key.hasPrefix("wfb_") && key.count == 36 && Shape.isBase64URL(key.dropFirst(4)))
        #expect(created["keyPrefix"] == .string(String(key.prefix(11))))

        let list = try c.get("/api/api-keys")
        #expect(list.json == [["id": created["id"]!, "name": "deploy", "keyPrefix": created["keyPrefix"]!,
                               "createdAt": created["createdAt"]!, "lastUsedAt": .null]])
    }
}
