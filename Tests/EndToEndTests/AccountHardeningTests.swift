// Review findings on accounts, each pinned by a test: concurrent guesses against the sign-in limit, no stale renewal
// cookie when a session is replaced, metrics bearer scheme, API key body, a dangling encryption.key link.
import Dispatch
import JSON
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct AccountHardeningTests {
    static let password = "correct horse battery"

    @Test func parallelWrongPasswordsCannotOutrunTheLimit() throws {
        let app = try LocalApp(environment: ["ORCHESTRATOR_SIGNIN_MAX_FAILURES": "3", "ORCHESTRATOR_SIGNIN_WINDOW_S": "60"])
        defer { app.stop() }
        let email = uniqueEmail("burst")
        #expect(try app.client().signUp(email, Self.password).status == 201)
        let statuses = LockedBox<[Int]>([])
        let port = app.port
        DispatchQueue.concurrentPerform(iterations: 12) { i in
            let status = (try? APIClient(port: port).signIn(email, "wrong \(i)").status) ?? -1
            statuses.withLock { $0.append(status) }
        }
        let all = statuses.value
        #expect(all.filter { $0 == 401 }.count == 3, "\(all)")
        #expect(all.filter { $0 == 429 }.count == 9, "\(all)")
        #expect(try app.client().signIn(email, Self.password).status == 429)
    }

    @Test func signingInWithAnAgedSessionDoesNotResendTheOldCookie() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let email = uniqueEmail("aged")
        #expect(try app.client().signUp(email, Self.password).status == 201)
        let c = app.client()
        #expect(try c.signInAnonymously().status == 200)
        let anonymousToken = try #require(c.session)
        app.clock.advance(hours: 48)   // < 6 days left: a plain request would renew
        let signedIn = try c.signIn(email, Self.password)
        #expect(signedIn.status == 200)
        #expect(signedIn.setCookies.count == 1)
        #expect(c.session != anonymousToken)
        #expect(try c.get("/api/auth/get-session").json?["user"]?["email"] == .string(email))
    }

    @Test func apiKeyCreateBodyIsOptional() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let c = app.client()
        #expect(try c.signUp(uniqueEmail("keys"), Self.password).status == 201)
        let empty = try c.send("POST", "/api/api-keys", body: nil)
        #expect(empty.status == 201)
        #expect(empty.json?["name"] == .null)
        #expect(try c.post("/api/api-keys", [:]).status == 201)
    }

    @Test func metricsBearerSchemeIsCaseInsensitive() throws {
        let app = try LocalApp(environment: ["ORCHESTRATOR_METRICS_TOKEN": "s3cret-token"])
        defer { app.stop() }
        let c = app.client()
        #expect(try c.get("/metrics", headers: ["Authorization: bearer s3cret-token"]).status == 200)
        #expect(try c.get("/metrics", headers: ["Authorization: Bearer s3cret-tokeN"]).status == 401)
        #expect(try c.get("/metrics", headers: ["Authorization: Bearer"]).status == 401)
    }

    @Test func danglingEncryptionKeyLinkStopsStartupCleanly() throws {
        let dir = try ScratchDir()
        #expect(symlink(dir.path + "/missing-target", dir.file("encryption.key")) == 0)
        let result = try OrchestratorCLI.run(["serve", "--port", "0", "--data-dir", dir.path], timeout: 20)
        #expect(result.code == 1)
        #expect(result.stderr.contains("encryption.key"))
    }
}
