// Integrations end to end (SPEC §8): CRUD and validation, owner-only access, encryption at rest (key file, key change,
// tampering, AAD), and every connection test call against a local fake of its provider. CRUD runs in-process with a
// manual clock; encryption and provider calls run the built binary with env overrides. Users are anonymous (cheap).
import Crypto
import Foundation
import JSON
import Store
import Testing
#if canImport(Glibc)
import Glibc
#endif

enum IntegrationAPI {
    static let summaryKeys = ["id", "name", "type", "createdAt", "updatedAt"]
    static let fullKeys = summaryKeys + ["config"]
    static let decryptFailed = "Failed to decrypt integration config"
    static let successText = #"{"status":"success","message":"Connection successful"}"#

    /// A fresh anonymous user's client.
    static func user(port: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> APIClient {
        let c = APIClient(port: port)
        let r = try c.signInAnonymously()
        #expect(r.status == 200, "\(r.text)", sourceLocation: sourceLocation)
        return c
    }

    /// POST /api/integrations expecting 201; the created integration.
    @discardableResult
    static func create(_ c: APIClient, _ type: String, _ config: JSON, name: String? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        var body: JSON = ["type": .string(type), "config": config]
        if let name { body.set("name", .string(name)) }
        let r = try c.post("/api/integrations", body)
        #expect(r.status == 201, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.header("Content-Type") == Expected.jsonType, sourceLocation: sourceLocation)
        let j = try #require(r.json, sourceLocation: sourceLocation)
        #expect(Shape.keys(j) == summaryKeys, sourceLocation: sourceLocation)
        #expect(Shape.isID(j["id"]?.string, prefix: "int_"), sourceLocation: sourceLocation)
        #expect(j["type"] == .string(type), sourceLocation: sourceLocation)
        #expect(j["name"] == .string(name ?? ""), sourceLocation: sourceLocation)
        #expect(Shape.isTimestamp(j["createdAt"]?.string) && j["createdAt"] == j["updatedAt"], sourceLocation: sourceLocation)
        return j
    }

    static func id(_ j: JSON, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(j["id"]?.string, sourceLocation: sourceLocation)
    }

    @discardableResult
    static func put(_ c: APIClient, _ id: String, _ body: JSON) throws -> APIResponse {
        try c.send("PUT", "/api/integrations/\(id)", body: body.text)
    }

    /// GET /api/integrations/{id} expecting 200 with the config; the integration.
    static func get(_ c: APIClient, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        let r = try c.get("/api/integrations/\(id)")
        #expect(r.status == 200, "\(r.text)", sourceLocation: sourceLocation)
        let j = try #require(r.json, sourceLocation: sourceLocation)
        #expect(Shape.keys(j) == fullKeys, sourceLocation: sourceLocation)
        return j
    }

    static func error(_ r: APIResponse, _ status: Int, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "status for \"\(message)\": got \(r.status) \(r.text)", sourceLocation: sourceLocation)
        #expect(r.text == Expected.errorBody(message), sourceLocation: sourceLocation)
        #expect(r.header("Content-Type") == Expected.jsonType, sourceLocation: sourceLocation)
    }

    /// A connection-test answer: 200 `{"status":…,"message":…}`.
    static func testResult(_ r: APIResponse, success: Bool, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 200, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.header("Content-Type") == Expected.jsonType, sourceLocation: sourceLocation)
        #expect(Shape.keys(r.json) == ["status", "message"], "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.json?["status"] == .string(success ? "success" : "error"), "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.json?["message"] == .string(message), sourceLocation: sourceLocation)
    }

    /// POST /api/integrations/test (unsaved).
    static func testUnsaved(_ c: APIClient, _ type: String, _ config: JSON) throws -> APIResponse {
        try c.post("/api/integrations/test", ["type": .string(type), "config": config])
    }

    /// POST /api/integrations/{id}/test without a body.
    static func testSaved(_ c: APIClient, _ id: String) throws -> APIResponse {
        try c.send("POST", "/api/integrations/\(id)/test")
    }

    /// The stored `config_encrypted` of `id`.
    static func sealed(_ dbPath: String, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let db = try Database.openReader(path: dbPath)
        return try #require(try DBFiles.text(db, "SELECT config_encrypted FROM integrations WHERE id = ?", [.text(id)]),
                            sourceLocation: sourceLocation)
    }

    /// `v1:<24 hex>:<32 hex>:<hex>`, lowercase; the ciphertext's byte count.
    static func sealedShape(_ s: String) -> Int? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", parts[1].count == 24, parts[2].count == 32, parts[3].count % 2 == 0 else {
            return nil
        }
        let lowerHex = parts.dropFirst().allSatisfy { p in p.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) } }
        return lowerHex ? parts[3].count / 2 : nil
    }

    /// `s` with the hex digit at `offset` changed.
    static func flipHex(_ s: String, at offset: Int) -> String {
        var chars = Array(s)
        chars[offset] = chars[offset] == "0" ? "1" : "0"
        return String(chars)
    }

    static func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// A random valid `ORCHESTRATOR_ENCRYPTION_KEY`.
    static func randomKey() -> String { Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255) }) }
}

@Suite struct IntegrationTests {
    typealias API = IntegrationAPI

    // MARK: - CRUD

    @Test func createListGetUpdateDelete() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let c = try API.user(port: app.port)
        #expect(try c.get("/api/integrations").text == "[]")

        let slack = try API.create(c, "slack", ["apiKey": "xoxb-crud-1"], name: "Team Slack")
        #expect(slack["createdAt"] == "2026-01-01T00:00:00.000Z")
        app.clock.advance(seconds: 1)
        // `name` is optional (default ""), and null counts as absent.
        let resend = try API.create(c, "resend", ["apiKey": "re_crud_2", "fromEmail": "ops@example.com"])
        app.clock.advance(seconds: 1)
        let linearCreated = try c.post("/api/integrations", ["name": nil, "type": "linear",
                                                             "config": ["apiKey": "lin_api_crud3", "teamId": "ENG"]])
        #expect(linearCreated.status == 201, "\(linearCreated.text)")
        let linear = try #require(linearCreated.json)
        #expect(linear["name"] == "")
        app.clock.advance(seconds: 1)
        let slack2 = try API.create(c, "slack", ["apiKey": "xoxb-crud-4"], name: "Other workspace")
        let (slackID, resendID, linearID, slack2ID) = (try API.id(slack), try API.id(resend), try API.id(linear), try API.id(slack2))

        // List: newest first, never with config (nor any secret).
        let list = try c.get("/api/integrations")
        #expect(list.status == 200)
        #expect(list.header("Content-Type") == Expected.jsonType)
        let items = try #require(list.json?.array)
        #expect(items.map { $0["id"]?.string } == [slack2ID, linearID, resendID, slackID])
        for item in items { #expect(Shape.keys(item) == API.summaryKeys) }
        #expect(items == [slack2, linear, resend, slack])
        for secret in ["xoxb-crud-1", "re_crud_2", "lin_api_crud3", "xoxb-crud-4"] { #expect(!list.text.contains(secret)) }

        // ?type= filters; an unknown type is a 400.
        #expect(try c.get("/api/integrations?type=slack").json?.array?.map { $0["id"]?.string } == [slack2ID, slackID])
        #expect(try c.get("/api/integrations?type=linear").json?.array?.map { $0["id"]?.string } == [linearID])
        #expect(try c.get("/api/integrations?type=github").text == "[]")
        for bad in ["nope", "Slack", "slack%20"] {
            API.error(try c.get("/api/integrations?type=\(bad)"), 400, "Invalid integration type")
        }

        // GET adds the decrypted config.
        let got = try API.get(c, linearID)
        #expect(got["config"] == ["apiKey": "lin_api_crud3", "teamId": "ENG"])
        #expect(got["createdAt"] == linear["createdAt"] && got["name"] == linear["name"] && got["type"] == "linear")
        #expect(try API.get(c, resendID)["config"] == ["apiKey": "re_crud_2", "fromEmail": "ops@example.com"])

        // PUT with config replaces the whole config (teamId gone) and re-encrypts it.
        let sealedBefore = try API.sealed(app.dbPath, linearID)
        app.clock.advance(seconds: 1)
        let put = try API.put(c, linearID, ["config": ["apiKey": "lin_api_rotated"]])
        #expect(put.status == 200, "\(put.text)")
        #expect(put.header("Content-Type") == Expected.jsonType)
        #expect(Shape.keys(put.json) == API.fullKeys)
        #expect(put.json?["config"] == ["apiKey": "lin_api_rotated"])
        #expect(put.json?["name"] == "" && put.json?["createdAt"] == linear["createdAt"])
        #expect(put.json?["updatedAt"] == "2026-01-01T00:00:04.000Z")
        let sealedAfter = try API.sealed(app.dbPath, linearID)
        #expect(sealedAfter != sealedBefore)
        #expect(API.sealedShape(sealedAfter) == #"{"apiKey":"lin_api_rotated"}"#.utf8.count)
        #expect(try API.get(c, linearID) == put.json)

        // A name-only PUT keeps the config; a body without either changes nothing but updatedAt.
        app.clock.advance(seconds: 1)
        let renamed = try API.put(c, linearID, ["name": "Linear (eng)"])
        #expect(renamed.status == 200, "\(renamed.text)")
        #expect(renamed.json?["name"] == "Linear (eng)")
        #expect(renamed.json?["config"] == ["apiKey": "lin_api_rotated"])
        #expect(renamed.json?["updatedAt"] == "2026-01-01T00:00:05.000Z")
        let nullConfig = try API.put(c, linearID, ["config": nil])
        #expect(nullConfig.status == 200 && nullConfig.json?["config"] == ["apiKey": "lin_api_rotated"], "\(nullConfig.text)")
        #expect(try API.get(c, linearID)["name"] == "Linear (eng)")
        // The list shows the rename, still without config.
        let listed = try c.get("/api/integrations?type=linear").json?.array?.first
        #expect(listed?["name"] == "Linear (eng)" && Shape.keys(listed) == API.summaryKeys)

        // DELETE, then everything about it is a 404.
        let deleted = try c.delete("/api/integrations/\(linearID)")
        #expect(deleted.status == 200)
        #expect(deleted.text == #"{"success":true}"#)
        API.error(try c.get("/api/integrations/\(linearID)"), 404, "Integration not found")
        API.error(try c.delete("/api/integrations/\(linearID)"), 404, "Integration not found")
        API.error(try API.put(c, linearID, ["name": "x"]), 404, "Integration not found")
        API.error(try API.testSaved(c, linearID), 404, "Integration not found")
        #expect(try c.get("/api/integrations").json?.array?.map { $0["id"]?.string } == [slack2ID, resendID, slackID])
        let db = try Database.openReader(path: app.dbPath)
        #expect(try DBFiles.int(db, "SELECT COUNT(*) FROM integrations WHERE id = ?", [.text(linearID)]) == 0)

        // Unknown and malformed ids are the same 404; no session is a 401.
        for bad in ["int_000000000000000000000", "not-an-id", "wf_000000000000000000000"] {
            API.error(try c.get("/api/integrations/\(bad)"), 404, "Integration not found")
            API.error(try API.put(c, bad, ["name": "x"]), 404, "Integration not found")
            API.error(try c.delete("/api/integrations/\(bad)"), 404, "Integration not found")
            API.error(try API.testSaved(c, bad), 404, "Integration not found")
        }
        let guest = APIClient(port: app.port)
        API.error(try guest.get("/api/integrations"), 401, "Unauthorized")
        API.error(try guest.post("/api/integrations", ["type": "slack", "config": ["apiKey": "x"]]), 401, "Unauthorized")
        API.error(try guest.get("/api/integrations/\(slackID)"), 401, "Unauthorized")
        API.error(try guest.post("/api/integrations/test", ["type": "slack", "config": ["apiKey": "x"]]), 401, "Unauthorized")
    }

    /// Bodies and the first error each must give, in SPEC §8's order: required, type, config fields (missing in field
    /// order, unknown, non-string), then name.
    static let createCases: [(JSON, String)] = {
        let long = JSON.string(String(repeating: "a", count: 201))
        return [
            ([:], "Type and config are required"),
            (["type": "slack"], "Type and config are required"),
            (["config": ["apiKey": "x"]], "Type and config are required"),
            (["type": "slack", "config": nil], "Type and config are required"),
            (["type": nil, "config": ["apiKey": "x"], "name": long], "Type and config are required"),
            (["type": "nope", "config": ["bogus": 1], "name": long], "Invalid integration type"),
            (["type": "Slack", "config": ["apiKey": "x"]], "Invalid integration type"),
            (["type": "", "config": ["apiKey": "x"]], "Invalid integration type"),
            (["type": 5, "config": ["apiKey": "x"]], "type must be a string"),
            (["type": "slack", "config": "xoxb"], "config must be an object"),
            (["type": "slack", "config": [["apiKey": "x"]]], "config must be an object"),
            (["type": "resend", "config": [:], "name": long], "Missing required config field: apiKey"),
            (["type": "resend", "config": ["bogus": 1, "fromEmail": "a@example.com"]], "Missing required config field: apiKey"),
            (["type": "resend", "config": ["apiKey": "re_x"]], "Missing required config field: fromEmail"),
            (["type": "resend", "config": ["apiKey": "re_x", "fromEmail": ""]], "Missing required config field: fromEmail"),
            (["type": "resend", "config": ["apiKey": nil, "fromEmail": "a@example.com"]], "Missing required config field: apiKey"),
            (["type": "firecrawl", "config": ["apiKey": "fc-x"]], "Missing required config field: firecrawlApiKey"),
            (["type": "github", "config": ["apiKey": "ghp_x"]], "Missing required config field: token"),
            (["type": "database", "config": ["connectionString": "sqlite:a.db"]], "Missing required config field: url"),
            (["type": "slack", "config": ["apiKey": "x", "channel": "#general", "zzz": 1], "name": long],
             "Unknown config field: channel"),
            (["type": "linear", "config": ["teamId": "T", "apiKey": "x", "extra": 5]], "Unknown config field: extra"),
            (["type": "slack", "config": ["apiKey": 5], "name": long], "Invalid config field: apiKey"),
            (["type": "github", "config": ["token": ["value": "ghp_x"]]], "Invalid config field: token"),
            (["type": "linear", "config": ["apiKey": "x", "teamId": 7]], "Invalid config field: teamId"),
            (["type": "ai-gateway", "config": ["apiKey": "x", "baseUrl": true]], "Invalid config field: baseUrl"),
            (["type": "slack", "config": ["apiKey": "x"], "name": long], "Name must be at most 200 characters"),
            // 101 "e" + combining acute: 101 characters but 202 Unicode scalars.
            (["type": "slack", "config": ["apiKey": "x"], "name": .string(String(repeating: "e\u{301}", count: 101))],
             "Name must be at most 200 characters"),
            (["type": "slack", "config": ["apiKey": "x"], "name": 5], "name must be a string"),
        ]
    }()

    @Test func createAndUnsavedTestValidation() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let c = try API.user(port: app.port)
        for (body, message) in Self.createCases {
            let r = try c.post("/api/integrations", body)
            #expect(r.status == 400 && r.text == Expected.errorBody(message), "POST \(body.text): \(r.status) \(r.text), expected \(message)")
            let t = try c.post("/api/integrations/test", body)
            #expect(t.status == 400 && t.text == Expected.errorBody(message), "test \(body.text): \(t.status) \(t.text), expected \(message)")
        }
        #expect(try c.get("/api/integrations").text == "[]", "nothing was created")

        // Limits count Unicode scalars: 200 of them is fine, even when they are 4-byte emoji or combining marks.
        for name in [String(repeating: "😀", count: 200), String(repeating: "e\u{301}", count: 100)] {
            let made = try API.create(c, "slack", ["apiKey": "x"], name: name)
            #expect(made["name"] == .string(name))
        }
        // Every type with exactly its required fields, and with all its fields.
        let minimal: [(String, JSON)] = [
            ("ai-gateway", ["apiKey": "sk-x"]), ("slack", ["apiKey": "xoxb-x"]),
            ("resend", ["apiKey": "re_x", "fromEmail": "a@example.com"]), ("linear", ["apiKey": "lin_x"]),
            ("firecrawl", ["firecrawlApiKey": "fc-x"]), ("github", ["token": "ghp_x"]), ("database", ["url": "sqlite:x.db"]),
        ]
        for (type, config) in minimal {
            let id = try API.id(try API.create(c, type, config))
            #expect(try API.get(c, id)["config"] == config)
        }
        let full = try API.id(try API.create(c, "ai-gateway", ["baseUrl": "https://llm.example.com/v1", "apiKey": "sk-y"]))
        #expect(try API.get(c, full)["config"] == ["baseUrl": "https://llm.example.com/v1", "apiKey": "sk-y"])
        // Unknown top-level fields are ignored.
        let extra = try c.post("/api/integrations", ["type": "linear", "config": ["apiKey": "lin_y", "teamId": "T"], "color": "red"])
        #expect(extra.status == 201, "\(extra.text)")
    }

    @Test func updateValidation() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let c = try API.user(port: app.port)
        let made = try API.create(c, "resend", ["apiKey": "re_keep", "fromEmail": "a@example.com"], name: "Mail")
        let id = try API.id(made)
        let before = try API.get(c, id)
        let sealed = try API.sealed(app.dbPath, id)
        app.clock.advance(seconds: 5)
        let long = JSON.string(String(repeating: "n", count: 201))
        let cases: [(JSON, String)] = [
            (["config": [:], "name": long], "Missing required config field: apiKey"),
            (["config": ["apiKey": "re_new"]], "Missing required config field: fromEmail"),
            (["config": ["apiKey": "re_new", "fromEmail": "b@example.com", "replyTo": "c@example.com"]],
             "Unknown config field: replyTo"),
            (["config": ["apiKey": "re_new", "fromEmail": 1], "name": long], "Invalid config field: fromEmail"),
            (["config": "re_new"], "config must be an object"),
            (["name": long], "Name must be at most 200 characters"),
            (["name": 5, "config": ["apiKey": "re_new", "fromEmail": "b@example.com"]], "name must be a string"),
        ]
        for (body, message) in cases {
            API.error(try API.put(c, id, body), 400, message)
        }
        // Nothing changed: not the name, config, updatedAt, nor the stored ciphertext.
        #expect(try API.get(c, id) == before)
        #expect(try API.sealed(app.dbPath, id) == sealed)
        // `type` cannot be changed through PUT (unknown fields are ignored).
        let r = try API.put(c, id, ["type": "slack"])
        #expect(r.status == 200 && r.json?["type"] == "resend", "\(r.text)")
    }

    @Test func requestBodyErrors() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let c = try API.user(port: app.port)
        let id = try API.id(try API.create(c, "database", ["url": "sqlite:body.db"]))
        for (method, path) in [("POST", "/api/integrations"), ("PUT", "/api/integrations/\(id)"),
                               ("POST", "/api/integrations/test"), ("POST", "/api/integrations/\(id)/test")] {
            API.error(try c.send(method, path, body: #"{"type":"slack","config":{"apiKey":"x"}}"#, contentType: "text/plain"),
                      415, "Content-Type must be application/json")
            API.error(try c.send(method, path, body: #"{"type":"slack","#), 400, "Invalid JSON body")
            API.error(try c.send(method, path, body: "[]"), 400, "Request body must be a JSON object")
            API.error(try c.send(method, path, body: #""text""#), 400, "Request body must be a JSON object")
        }
        // The saved test's body is optional: none, or an (ignored) object.
        API.testResult(try API.testSaved(c, id), success: true, "Connection successful")
        API.testResult(try c.send("POST", "/api/integrations/\(id)/test", body: "{}"), success: true, "Connection successful")
        API.testResult(try c.send("POST", "/api/integrations/\(id)/test", body: #"{"config":{"url":"sqlite:../x.db"}}"#),
                       success: true, "Connection successful")
        // Charset parameters are fine.
        let r = try c.send("POST", "/api/integrations", body: #"{"type":"github","config":{"token":"ghp_x"}}"#,
                           contentType: "application/json; charset=utf-8")
        #expect(r.status == 201, "\(r.text)")
    }

    @Test func anotherUsersIntegrationIsNotFound() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let owner = try API.user(port: app.port)
        let other = try API.user(port: app.port)
        let id = try API.id(try API.create(owner, "database", ["url": "sqlite:owner.db"], name: "Owner's"))
        let before = try API.get(owner, id)

        API.error(try other.get("/api/integrations/\(id)"), 404, "Integration not found")
        API.error(try API.put(other, id, ["name": "stolen", "config": ["url": "sqlite:other.db"]]), 404, "Integration not found")
        API.error(try API.put(other, id, ["name": 5]), 404, "Integration not found")
        API.error(try API.testSaved(other, id), 404, "Integration not found")
        API.error(try other.delete("/api/integrations/\(id)"), 404, "Integration not found")
        #expect(try other.get("/api/integrations").text == "[]")
        #expect(try other.get("/api/integrations?type=database").text == "[]")

        // Untouched for its owner.
        #expect(try API.get(owner, id) == before)
        #expect(try owner.get("/api/integrations").json?.array?.count == 1)
    }

    // MARK: - Encryption at rest

    @Test func configSecretsNeverReachTheDatabaseFile() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let c = try API.user(port: app.port)
        let tag = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let secrets = ["sk-live-\(tag)-aigw", "xoxb-\(tag)-slack", "re_\(tag)_resend", "lin_api_\(tag)_linear",
                       "fc-\(tag)-firecrawl", "ghp_\(tag)github", "postgres://app:pw-\(tag)-db@db.internal:5432/app"]
        let configs: [(String, JSON)] = [
            ("ai-gateway", ["apiKey": .string(secrets[0]), "baseUrl": "https://llm.example.com/v1"]),
            ("slack", ["apiKey": .string(secrets[1])]),
            ("resend", ["apiKey": .string(secrets[2]), "fromEmail": "ops@example.com"]),
            ("linear", ["apiKey": .string(secrets[3]), "teamId": "ENG"]),
            ("firecrawl", ["firecrawlApiKey": .string(secrets[4])]),
            ("github", ["token": .string(secrets[5])]),
            ("database", ["url": .string(secrets[6])]),
        ]
        var ids: [String] = []
        for (type, config) in configs {
            ids.append(try API.id(try API.create(c, type, config, name: "visible-name-\(tag)-\(type)")))
        }
        // Replace one config: the old and the new secret are both absent.
        let rotated = "xoxb-\(tag)-rotated"
        #expect(try API.put(c, ids[1], ["config": ["apiKey": .string(rotated)]]).status == 200)

        // The search works (names are stored in clear), and no secret or its password part is in any file.
        #expect(DBFiles.contain(app.dbPath, "visible-name-\(tag)-github"), "the byte search sees stored text")
        for secret in secrets + [rotated, "pw-\(tag)-db", tag + "_resend"] {
            #expect(!DBFiles.contain(app.dbPath, secret), "\(secret) stored in clear")
        }

        // Stored as v1:<nonce>:<tag>:<ciphertext>, sealed with the generated key and the integration id as AAD.
        let keyText = try String(contentsOfFile: app.dir.file("encryption.key"), encoding: .utf8)
        let key = try #require(Hex.decode(keyText.dropLast()))
        var nonces = Set<String>()
        for ((_, config), id) in zip(configs, ids) where id != ids[1] {
            let sealed = try API.sealed(app.dbPath, id)
            #expect(API.sealedShape(sealed) == config.text.utf8.count, "\(sealed)")
            nonces.insert(String(sealed.split(separator: ":")[1]))
            #expect(try SecretBox.open(sealed, key: key, aad: id) == config.text)
            #expect(throws: (any Error).self) { try SecretBox.open(sealed, key: key, aad: ids[1]) }
        }
        #expect(nonces.count == configs.count - 1, "a fresh nonce per record")
        // Re-encrypting the same config uses a fresh nonce.
        let first = try API.sealed(app.dbPath, ids[1])
        #expect(try API.put(c, ids[1], ["config": ["apiKey": .string(rotated)]]).status == 200)
        let second = try API.sealed(app.dbPath, ids[1])
        #expect(first != second)
        #expect(try SecretBox.open(second, key: key, aad: ids[1]) == #"{"apiKey":"\#(rotated)"}"#)
    }

    @Test func generatedKeyFile() throws {
        let dir = try ScratchDir()
        let keyPath = dir.file("encryption.key")
        var id = ""
        var session: String?
        do {
            let p = try ServerProcess(flags: ["--data-dir", dir.path])
            #expect(p.waitForLog("generated a new encryption key"), "a warning is logged:\n\(p.logText)")
            var st = stat()
            #expect(stat(keyPath, &st) == 0)
            #expect(st.st_mode & 0o777 == 0o600, "mode \(String(st.st_mode & 0o777, radix: 8))")
            let text = try String(contentsOfFile: keyPath, encoding: .utf8)
            #expect(text.utf8.count == 65 && text.hasSuffix("\n"))
            #expect(text.dropLast().unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) })
            let c = try API.user(port: p.port)
            id = try API.id(try API.create(c, "github", ["token": "ghp_keyfile"]))
            session = c.session
            p.terminate()
            #expect(p.waitForExit(timeout: 10) == 0)
        }
        let keyBefore = try String(contentsOfFile: keyPath, encoding: .utf8)
        // A restart reuses the file: same key, the config still decrypts, no new warning.
        let p = try ServerProcess(flags: ["--data-dir", dir.path])
        #expect(try String(contentsOfFile: keyPath, encoding: .utf8) == keyBefore)
        let c = APIClient(port: p.port, session: session)
        #expect(try API.get(c, id)["config"] == ["token": "ghp_keyfile"])
        #expect(!p.logText.contains("generated a new encryption key"))

        // With ORCHESTRATOR_ENCRYPTION_KEY set, no file is created.
        let other = try ScratchDir()
        let q = try ServerProcess(flags: ["--data-dir", other.path], environment: ["ORCHESTRATOR_ENCRYPTION_KEY": API.randomKey()])
        #expect(!API.fileExists(other.file("encryption.key")))
        #expect(!q.logText.contains("generated a new encryption key"))
    }

    @Test func recordsFailClearlyUnderAnotherKey() throws {
        let dir = try ScratchDir()
        let key1 = API.randomKey(), key2 = API.randomKey()
        var id = ""
        var session: String?
        do {
            let p = try ServerProcess(flags: ["--data-dir", dir.path], environment: ["ORCHESTRATOR_ENCRYPTION_KEY": key1])
            let c = try API.user(port: p.port)
            id = try API.id(try API.create(c, "database", ["url": "sqlite:keyed.db"], name: "Keyed"))
            session = c.session
            p.terminate()
            #expect(p.waitForExit(timeout: 10) == 0)
        }
        do {
            // Uppercase hex is a valid key too.
            let p = try ServerProcess(flags: ["--data-dir", dir.path],
                                      environment: ["ORCHESTRATOR_ENCRYPTION_KEY": key2.uppercased()])
            let c = APIClient(port: p.port, session: session)
            API.error(try c.get("/api/integrations/\(id)"), 500, API.decryptFailed)
            API.error(try API.testSaved(c, id), 500, API.decryptFailed)
            API.error(try API.put(c, id, ["name": "renamed"]), 500, API.decryptFailed)
            // The list needs no decryption.
            let list = try c.get("/api/integrations")
            #expect(list.status == 200 && list.json?.array?.first?["name"] == "Keyed", "\(list.text)")
            p.terminate()
            #expect(p.waitForExit(timeout: 10) == 0)
        }
        // Back under the right key, the record is intact (the failed PUT changed nothing).
        let p = try ServerProcess(flags: ["--data-dir", dir.path], environment: ["ORCHESTRATOR_ENCRYPTION_KEY": key1])
        let c = APIClient(port: p.port, session: session)
        let got = try API.get(c, id)
        #expect(got["config"] == ["url": "sqlite:keyed.db"] && got["name"] == "Keyed")
    }

    @Test(arguments: [String(repeating: "a", count: 63), String(repeating: "b", count: 65), String(repeating: "zz", count: 32),
                      String(repeating: "0", count: 62) + " 1"])
    func malformedKeyStopsStartup(key: String) throws {
        let dir = try ScratchDir()
        let r = try OrchestratorCLI.run(["serve", "--port", "0", "--data-dir", dir.path],
                                        environment: ["ORCHESTRATOR_ENCRYPTION_KEY": key], timeout: 20)
        #expect(r.code == 1, "exit code (stderr: \(r.stderr))")
        #expect(r.stderr.contains("ORCHESTRATOR_ENCRYPTION_KEY must be 64 hex characters"), "\(r.stderr)")
        #expect(!r.stderr.contains(key), "the key is not echoed")
        #expect(!API.fileExists(dir.file("encryption.key")))
    }

    @Test func tamperedOrMovedCiphertextFailsClearly() throws {
        let dir = try ScratchDir()
        let dbPath = dir.file("orchestrator.db")
        var ids: [String] = []
        var session: String?
        do {
            let p = try ServerProcess(flags: ["--data-dir", dir.path])
            let c = try API.user(port: p.port)
            for n in 0..<6 {
                ids.append(try API.id(try API.create(c, "github", ["token": .string("ghp_tamper\(n)")], name: "t\(n)")))
            }
            session = c.session
            p.terminate()
            #expect(p.waitForExit(timeout: 10) == 0)
        }
        // While the server is stopped: flip one hex digit in the nonce, the tag and the ciphertext; move one record's
        // (valid) ciphertext onto another id; store something that is not a sealed record at all.
        do {
            let db = try Database.open(path: dbPath)
            func sealed(_ id: String) throws -> String {
                try #require(try DBFiles.text(db, "SELECT config_encrypted FROM integrations WHERE id = ?", [.text(id)]))
            }
            func store(_ id: String, _ text: String) throws {
                #expect(try db.run("UPDATE integrations SET config_encrypted = ? WHERE id = ?", [.text(text), .text(id)]) == 1)
            }
            let s0 = try sealed(ids[0]), s1 = try sealed(ids[1]), s2 = try sealed(ids[2])
            #expect(API.sealedShape(s0) != nil)
            try store(ids[0], API.flipHex(s0, at: 3 + 5))                      // nonce
            try store(ids[1], API.flipHex(s1, at: 3 + 24 + 1 + 7))             // tag
            try store(ids[2], API.flipHex(s2, at: s2.count - 1))               // ciphertext
            try store(ids[3], try sealed(ids[4]))                              // another id's record (AAD)
            try store(ids[5], "{}")
        }
        let p = try ServerProcess(flags: ["--data-dir", dir.path])
        let c = APIClient(port: p.port, session: session)
        for id in [ids[0], ids[1], ids[2], ids[3], ids[5]] {
            API.error(try c.get("/api/integrations/\(id)"), 500, API.decryptFailed)
            API.error(try API.testSaved(c, id), 500, API.decryptFailed)
        }
        // The record that was copied still opens under its own id.
        #expect(try API.get(c, ids[4])["config"] == ["token": "ghp_tamper4"])
        #expect(!p.logText.contains("ghp_tamper"), "no config in the log")
        // The list still works, and a full PUT replaces the broken record.
        #expect(try c.get("/api/integrations").json?.array?.count == 6)
        let fixed = try API.put(c, ids[0], ["config": ["token": "ghp_fresh"]])
        #expect(fixed.status == 200 && fixed.json?["config"] == ["token": "ghp_fresh"], "\(fixed.text)")
        #expect(try API.get(c, ids[0])["config"] == ["token": "ghp_fresh"])
    }

    // MARK: - Connection tests

    @Test(arguments: Provider.allCases)
    func testCallAgainstFakeProvider(_ provider: Provider) throws {
        let fake = try FakeProvider(provider)
        defer { fake.stop() }
        let p = try ServerProcess(environment: fake.environment)
        defer { p.kill(); _ = p.waitForExit(timeout: 10) }
        let c = try API.user(port: p.port)
        let type = provider.rawValue

        // Unsaved, good and bad credential.
        API.testResult(try API.testUnsaved(c, type, provider.config(key: provider.validKey)), success: true, "Connection successful")
        let okText = try API.testUnsaved(c, type, provider.config(key: provider.validKey)).text
        #expect(okText == API.successText)
        API.testResult(try API.testUnsaved(c, type, provider.config(key: provider.wrongKey)), success: false,
                       provider.rejectionMessage)
        // Saved, good and bad credential.
        let good = try API.id(try API.create(c, type, provider.config(key: provider.validKey)))
        let bad = try API.id(try API.create(c, type, provider.config(key: provider.wrongKey)))
        API.testResult(try API.testSaved(c, good), success: true, "Connection successful")
        API.testResult(try API.testSaved(c, bad), success: false, provider.rejectionMessage)

        // Every call was the real API's call, with the credential in its header form.
        let seen = fake.seen
        #expect(fake.problems.isEmpty, "\(fake.problems)")
        #expect(seen.count == 5)
        #expect(seen.map(\.authorization) == [provider.validKey, provider.validKey, provider.wrongKey, provider.validKey,
                                              provider.wrongKey].map { provider.authorization($0) })
        for r in seen {
            #expect(r.method == provider.call.method && r.path == provider.call.path)
        }
    }

    @Test func aiGatewayConfigBaseURLWinsOverEnvironment() throws {
        let fake = try FakeProvider(.aiGateway)
        defer { fake.stop() }
        let refused = RefusingPort()
        let p = try ServerProcess(environment: [Provider.aiGateway.envVar: refused.baseURL + "/v1/"])
        defer { p.kill(); _ = p.waitForExit(timeout: 10) }
        let c = try API.user(port: p.port)
        // baseUrl in the config (trailing slashes trimmed) beats the env override.
        let config: JSON = ["apiKey": .string(Provider.aiGateway.validKey), "baseUrl": .string(fake.baseURL + "//")]
        API.testResult(try API.testUnsaved(c, "ai-gateway", config), success: true, "Connection successful")
        let id = try API.id(try API.create(c, "ai-gateway", config))
        API.testResult(try API.testSaved(c, id), success: true, "Connection successful")
        #expect(fake.seen.map(\.path) == ["/v1/models", "/v1/models"])
        #expect(fake.problems.isEmpty, "\(fake.problems)")
        // Without baseUrl, the env override is used (and here refuses).
        let r = try API.testUnsaved(c, "ai-gateway", ["apiKey": .string(Provider.aiGateway.validKey)])
        #expect(r.json?["status"] == "error" && r.json?["message"]?.string?.contains("Connection refused") == true, "\(r.text)")
        #expect(fake.seen.count == 2)
    }

    @Test func resendKeyFormatIsCheckedBeforeAnyCall() throws {
        let fake = try FakeProvider(.resend)
        defer { fake.stop() }
        let p = try ServerProcess(environment: fake.environment)
        defer { p.kill(); _ = p.waitForExit(timeout: 10) }
        let c = try API.user(port: p.port)
        let message = "Invalid API key format. Resend keys start with re_"
        for key in ["sk_live_123", "RE_123", " re_123"] {
            let config: JSON = ["apiKey": .string(key), "fromEmail": "ops@example.com"]
            API.testResult(try API.testUnsaved(c, "resend", config), success: false, message)
            API.testResult(try API.testSaved(c, try API.id(try API.create(c, "resend", config))), success: false, message)
        }
        #expect(fake.seen.isEmpty, "no request was made: \(fake.seen.map(\.path))")
    }

    @Test func transportFailureIsReported() throws {
        let refused = RefusingPort()
        let p = try ServerProcess(environment: [Provider.slack.envVar: refused.baseURL + "/api",
                                                Provider.github.envVar: refused.baseURL])
        defer { p.kill(); _ = p.waitForExit(timeout: 10) }
        let c = try API.user(port: p.port)
        let expected = "Connection failed: 127.0.0.1:\(refused.port): Connection refused"
        for r in [try API.testUnsaved(c, "slack", ["apiKey": "xoxb-x"]),
                  try API.testUnsaved(c, "github", ["token": "ghp_x"]),
                  try API.testSaved(c, try API.id(try API.create(c, "slack", ["apiKey": "xoxb-x"])))] {
            #expect(r.status == 200 && r.json?["status"] == "error", "\(r.text)")
            let message = r.json?["message"]?.string ?? ""
            #expect(message.hasPrefix("Connection failed: ") && message.contains("Connection refused"), "\(message)")
            #expect(message == expected, "\(message)")
            #expect(!message.contains("xoxb-x") && !message.contains("ghp_x"))
        }
    }

    @Test func databaseTestCall() throws {
        let app = try LocalApp()
        defer { app.stop() }
        let c = try API.user(port: app.port)
        let databases = app.dir.file("databases")
        let outsideMessage = "Connection failed: path outside the databases folder"

        API.testResult(try API.testUnsaved(c, "database", ["url": "sqlite:test.db"]), success: true, "Connection successful")
        #expect(API.fileExists(databases + "/test.db"))
        let saved = try API.id(try API.create(c, "database", ["url": "sqlite:saved.db"]))
        API.testResult(try API.testSaved(c, saved), success: true, "Connection successful")
        #expect(API.fileExists(databases + "/saved.db"))

        // Nothing outside <data dir>/databases/: relative escapes, absolute paths, symlinks out (to an existing file, to a
        // missing one, and through a linked directory).
        let outside = try ScratchDir()
        #expect(FileManager.default.createFile(atPath: outside.file("existing.db"), contents: Data()))
        #expect(symlink(outside.file("existing.db"), databases + "/link.db") == 0)
        #expect(symlink(outside.file("missing.db"), databases + "/dangling.db") == 0)
        #expect(symlink(outside.path, databases + "/linkdir") == 0)
        for url in ["sqlite:../escape.db", "sqlite:sub/../../escape.db", "sqlite:\(outside.file("abs.db"))",
                    "sqlite:///\(outside.file("abs.db"))", "sqlite:link.db", "sqlite:dangling.db", "sqlite:linkdir/new.db",
                    "sqlite:linkdir/existing.db"] {
            API.testResult(try API.testUnsaved(c, "database", ["url": .string(url)]), success: false, outsideMessage)
        }
        let escaping = try API.id(try API.create(c, "database", ["url": "sqlite:../escape.db"]))
        API.testResult(try API.testSaved(c, escaping), success: false, outsideMessage)
        #expect(!API.fileExists(app.dir.file("escape.db")))
        #expect(!API.fileExists(outside.file("missing.db")))
        #expect(!API.fileExists(outside.file("new.db")))
        #expect(!API.fileExists(outside.file("abs.db")))
        #expect(FileManager.default.contents(atPath: outside.file("existing.db"))?.count == 0, "the outside file is untouched")
    }
}
