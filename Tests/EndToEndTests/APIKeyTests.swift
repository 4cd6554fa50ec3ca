// API keys end to end (SPEC §9): create, list, delete, who may do each, and the key format. The webhook route (the
// only one a key authenticates, and the one that sets `lastUsedAt`) does not exist yet, so key use is not tested here.
import Crypto
import JSON
import Store
import Testing

@Suite struct APIKeyTests {
    static let password = "correct horse battery"

    /// A signed-up (named) user's client.
    static func namedClient(port: Int) throws -> APIClient {
        let c = APIClient(port: port)
        let r = try c.signUp(uniqueEmail("keys"), password)
        #expect(r.status == 201)
        return c
    }

    static func expectCreated(_ r: APIResponse, name: JSON, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 201, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.header("Content-Type") == Expected.jsonType, sourceLocation: sourceLocation)
        let j = r.json
        #expect(Shape.keys(j) == ["id", "name", "key", "keyPrefix", "createdAt"], sourceLocation: sourceLocation)
        #expect(Shape.isID(j?["id"]?.string, prefix: "key_"), sourceLocation: sourceLocation)
        #expect(j?["name"] == name, sourceLocation: sourceLocation)
        let key = j?["key"]?.string ?? ""
        // wfb_ + base64url(24 bytes) without padding = 4 + 32 chars.
        #expect(key.hasPrefix("wfb_") && key.count == 36 && Shape.isBase64URL(key.dropFirst(4)), "key \(key)",
                sourceLocation: sourceLocation)
        #expect(j?["keyPrefix"] == .string(String(key.prefix(11))), sourceLocation: sourceLocation)
        #expect(Shape.isTimestamp(j?["createdAt"]?.string), sourceLocation: sourceLocation)
    }

    @Test func createListAndDelete() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let c = try Self.namedClient(port: app.port)
        #expect(try c.get("/api/api-keys").text == "[]")

        let first = try c.post("/api/api-keys", ["name": "production-webhook-key"])
        Self.expectCreated(first, name: "production-webhook-key")
        #expect(first.json?["createdAt"] == "2026-01-01T00:00:00.000Z")
        app.clock.advance(seconds: 1)
        // The name defaults to null. (The route is not marked "body optional" in §9: `{}` is the minimal body.)
        let second = try c.post("/api/api-keys", [:])
        Self.expectCreated(second, name: .null)
        app.clock.advance(seconds: 1)
        let third = try c.post("/api/api-keys", ["name": .null, "ignored": true])
        Self.expectCreated(third, name: .null)
        let keys = [first, second, third].compactMap { $0.json?["key"]?.string }
        #expect(Set(keys).count == 3)

        // Newest first, without the secret; never used yet, so lastUsedAt is null.
        let list = try c.get("/api/api-keys")
        #expect(list.status == 200)
        #expect(list.header("Content-Type") == Expected.jsonType)
        let items = list.json?.array ?? []
        #expect(items.map { $0["id"] } == [third, second, first].map { $0.json?["id"] })
        for (item, made) in zip(items, [third, second, first]) {
            #expect(Shape.keys(item) == ["id", "name", "keyPrefix", "createdAt", "lastUsedAt"])
            #expect(item["name"] == made.json?["name"])
            #expect(item["keyPrefix"] == made.json?["keyPrefix"])
            #expect(item["createdAt"] == made.json?["createdAt"])
            #expect(item["lastUsedAt"] == .null)
        }
        for key in keys { #expect(!list.text.contains(key)) }

        // Delete revokes at once; a second delete is a 404.
        let firstID = try #require(first.json?["id"]?.string)
        let deleted = try c.delete("/api/api-keys/\(firstID)")
        #expect(deleted.status == 200)
        #expect(deleted.text == #"{"success":true}"#)
        AccountExpect.error(try c.delete("/api/api-keys/\(firstID)"), 404, "API key not found")
        #expect(try c.get("/api/api-keys").json?.array?.map { $0["id"] } == [third, second].map { $0.json?["id"] })
        let db = try Database.openReader(path: app.dbPath)
        #expect(try DBFiles.int(db, "SELECT COUNT(*) FROM api_keys WHERE key_hash = ?", [.text(SHA256.hex(keys[0]))]) == 0)

        // Unknown and malformed ids are the same 404.
        AccountExpect.error(try c.delete("/api/api-keys/key_000000000000000000000"), 404, "API key not found")
        AccountExpect.error(try c.delete("/api/api-keys/not-a-key-id"), 404, "API key not found")
    }

    @Test func namesAreValidated() throws {
        let server = try ServerProcess()
        let c = try Self.namedClient(port: server.port)
        AccountExpect.error(try c.post("/api/api-keys", ["name": .string(String(repeating: "k", count: 201))]), 400,
                            "Name must be at most 200 characters")
        // 200 scalars (100 graphemes) is the longest name.
        let longest = String(repeating: "e\u{301}", count: 100)
        Self.expectCreated(try c.post("/api/api-keys", ["name": .string(longest)]), name: .string(longest))
        AccountExpect.error(try c.post("/api/api-keys", ["name": 12]), 400, "name must be a string")
        AccountExpect.error(try c.send("POST", "/api/api-keys", body: "[]"), 400, "Request body must be a JSON object")
        AccountExpect.error(try c.send("POST", "/api/api-keys", body: "{"), 400, "Invalid JSON body")
        AccountExpect.error(try c.send("POST", "/api/api-keys", body: #"{"name":"a"}"#, contentType: "text/plain"), 415,
                            "Content-Type must be application/json")
        #expect(try c.get("/api/api-keys").json?.array?.count == 1)
        // The body is optional (SPEC §9): no body at all makes a key named null.
        Self.expectCreated(try c.send("POST", "/api/api-keys"), name: .null)
        #expect(try c.get("/api/api-keys").json?.array?.count == 2)
    }

    @Test func anonymousUsersCannotCreateKeys() throws {
        let server = try ServerProcess()
        let c = APIClient(port: server.port)
        #expect(try c.signInAnonymously().status == 200)
        AccountExpect.error(try c.post("/api/api-keys", ["name": "mine"]), 403, "Anonymous users cannot create API keys")
        // 403 comes before the body checks.
        AccountExpect.error(try c.post("/api/api-keys", ["name": .string(String(repeating: "k", count: 201))]), 403,
                            "Anonymous users cannot create API keys")
        // Listing and deleting only need a session.
        #expect(try c.get("/api/api-keys").text == "[]")
        AccountExpect.error(try c.delete("/api/api-keys/key_000000000000000000000"), 404, "API key not found")
    }

    @Test func anotherUsersKeyIsNotFound() throws {
        let server = try ServerProcess()
        let alice = try Self.namedClient(port: server.port)
        let bob = try Self.namedClient(port: server.port)
        let made = try alice.post("/api/api-keys", ["name": "alice"])
        Self.expectCreated(made, name: "alice")
        let id = try #require(made.json?["id"]?.string)

        AccountExpect.error(try bob.delete("/api/api-keys/\(id)"), 404, "API key not found")
        #expect(try bob.get("/api/api-keys").text == "[]")
        #expect(try alice.get("/api/api-keys").json?.array?.map { $0["id"] } == [.string(id)])
        #expect(try alice.delete("/api/api-keys/\(id)").status == 200)
    }

    @Test func keyRoutesNeedASessionAndIgnoreKeyBearers() throws {
        let server = try ServerProcess()
        let owner = try Self.namedClient(port: server.port)
        let key = try #require(try owner.post("/api/api-keys", ["name": "bearer"]).json?["key"]?.string)
        let id = try #require(try owner.get("/api/api-keys").json?[0]?["id"]?.string)

        for headers in [[], ["Authorization: Bearer \(key)"]] {   // a wfb_ bearer on a management route is ignored
            let c = APIClient(port: server.port)
            AccountExpect.error(try c.get("/api/api-keys", headers: headers), 401, "Unauthorized")
            AccountExpect.error(try c.post("/api/api-keys", ["name": "x"], headers: headers), 401, "Unauthorized")
            AccountExpect.error(try c.send("DELETE", "/api/api-keys/\(id)", headers: headers), 401, "Unauthorized")
            AccountExpect.error(try c.get("/api/user", headers: headers), 401, "Unauthorized")
        }
        #expect(try owner.get("/api/api-keys").json?.array?.count == 1)
    }
}
