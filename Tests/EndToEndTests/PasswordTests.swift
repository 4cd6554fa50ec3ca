// Getting back into an account (SPEC §1 `POST /api/user/password`, §14 `user password`): the current password is
// checked and rate-limited like a sign-in, other sessions end, and the CLI clears a running server's lock-outs.
import Foundation
import Testing

@Suite struct PasswordTests {
    static let password = "first password 1"

    @Test func changingThePasswordChecksTheCurrentOneAndEndsOtherSessions() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let email = uniqueEmail("pw")
        let a = app.client()
        #expect(try a.signUp(email, Self.password).status == 201)
        let b = app.client()
        #expect(try b.signIn(email, Self.password).status == 200)

        AccountExpect.error(try a.post("/api/user/password", ["currentPassword": "wrong password", "newPassword": "second password 2"]),
                            400, "Current password is incorrect")
        AccountExpect.error(try a.post("/api/user/password", ["currentPassword": .string(Self.password), "newPassword": "short"]),
                            400, "Password must be at least 8 characters")
        AccountExpect.error(try a.post("/api/user/password", ["currentPassword": .string(Self.password),
                                                              "newPassword": .string(String(repeating: "x", count: 129))]),
                            400, "Password must be at most 128 characters")
        AccountExpect.error(try a.post("/api/user/password", ["currentPassword": 5, "newPassword": "second password 2"]),
                            400, "currentPassword must be a string")
        let ok = try a.post("/api/user/password", ["currentPassword": .string(Self.password), "newPassword": "second password 2"])
        #expect(ok.status == 200 && ok.text == #"{"success":true}"#, "\(ok.text)")
        #expect(try a.get("/api/user").status == 200, "the session that changed it stays")
        #expect(try b.get("/api/user").status == 401, "every other session ends")
        #expect(try app.client().signIn(email, Self.password).status == 401)
        #expect(try app.client().signIn(email, "second password 2").status == 200)
    }

    @Test func wrongCurrentPasswordsCountAsFailedSignIns() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let email = uniqueEmail("pw")
        let c = app.client()
        #expect(try c.signUp(email, Self.password).status == 201)
        for _ in 0..<5 {
            #expect(try c.post("/api/user/password", ["currentPassword": "nope nope", "newPassword": "second password 2"]).status == 400)
        }
        let locked = try c.post("/api/user/password", ["currentPassword": .string(Self.password), "newPassword": "second password 2"])
        AccountExpect.error(locked, 429, "Too many sign-in attempts. Try again later.")
        #expect(locked.header("Retry-After") != nil)
        AccountExpect.error(try app.client().signIn(email, Self.password), 429, "Too many sign-in attempts. Try again later.")
    }

    @Test func anonymousUsersCannotChangeAPassword() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let c = app.client()
        #expect(try c.signInAnonymously().status == 200)
        AccountExpect.error(try c.post("/api/user/password", ["currentPassword": "whatever1", "newPassword": "second password 2"]),
                            403, "Cannot change password for this account")
        #expect(try app.client().post("/api/user/password", ["currentPassword": "a", "newPassword": "b"]).status == 401)
    }

    @Test func theCLISetsAPasswordAndClearsARunningServersLockOut() throws {
        let server = try ServerProcess()
        let email = uniqueEmail("cli-pw")
        let c = APIClient(port: server.port)
        #expect(try c.signUp(email, Self.password).status == 201)
        let session = APIClient(port: server.port, session: c.session)
        for _ in 0..<5 { #expect(try APIClient(port: server.port).signIn(email, "wrong wrong").status == 401) }
        #expect(try APIClient(port: server.port).signIn(email, Self.password).status == 429)

        let r = try OrchestratorCLI.run(["user", "password", "--email", email, "--data-dir", server.dataDir], stdin: "reset password 3\n")
        #expect(r.code == 0 && r.stdout == "Password updated\n", "\(r.stdout) \(r.stderr)")
        #expect(try session.get("/api/user").status == 401, "the user's sessions were deleted")
        #expect(try APIClient(port: server.port).signIn(email, "reset password 3").status == 200, "the lock-out is gone")

        let unknown = try OrchestratorCLI.run(["user", "password", "--email", "nobody@example.com", "--password", "whatever 123",
                                               "--data-dir", server.dataDir])
        #expect(unknown.code == 1 && unknown.stderr == "orchestrator: User not found\n", "\(unknown.stderr)")
        let short = try OrchestratorCLI.run(["user", "password", "--email", email, "--data-dir", server.dataDir], stdin: "short\n")
        #expect(short.code == 1 && short.stderr.contains("Password must be at least 8 characters"))
    }
}
