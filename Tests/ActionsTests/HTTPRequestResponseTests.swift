// What an HTTP Request step makes of the answer: JSON or text data, status failures quoting the first 1000 Unicode
// scalars of the body with the retry rule (408/429/5xx), transport and config failures, and its step log input.
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct HTTPRequestResponseTests {
    let action = HTTPRequestAction(client: Shared.client)

    /// Runs a GET against a server that answers every request with `reply`.
    func run(_ reply: Reply) throws -> JSON {
        let server = try TestServer { _ in reply }
        defer { server.stop() }
        return try action.run(step(["endpoint": .string(server.url("/"))]))
    }

    func failureFor(_ reply: Reply) throws -> StepFailure? {
        let server = try TestServer { _ in reply }
        defer { server.stop() }
        return failureOf(action, step(["endpoint": .string(server.url("/"))]))
    }

    @Test(arguments: ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/problem+json; x=application/json"])
    func jsonContentTypeParsesTheBody(_ type: String) throws {
        let output = try run(.text(200, #"{"items":[1,2],"ok":true}"#, contentType: type))
        #expect(output == ["success": true, "status": 200, "data": ["items": [1, 2], "ok": true]])
    }

    @Test func otherStatusesOf2xxSucceed() throws {
        #expect(try run(.text(201, "[1]", contentType: "application/json")) == ["success": true, "status": 201, "data": [1]])
        #expect(try run(.text(204, "", contentType: nil)) == ["success": true, "status": 204, "data": ""])
    }

    @Test(arguments: [("application/json", "{not json"), ("application/json", ""), ("text/plain", #"{"a":1}"#),
                      ("application/problem+json", #"{"a":1}"#)])
    func otherBodiesAreText(_ type: String, _ body: String) throws {
        #expect(try run(.text(200, body, contentType: type))["data"] == .string(body))
    }

    @Test func bodyWithoutContentTypeIsText() throws {
        #expect(try run(.text(200, "[1]", contentType: nil))["data"] == "[1]")
    }

    @Test(arguments: [(404, false), (400, false), (401, false), (409, false), (408, true), (429, true), (500, true),
                      (502, true), (503, true)])
    func statusFailuresAndTheirRetryRule(_ status: Int, _ retryable: Bool) throws {
        let failure = try failureFor(.text(status, #"{"error":"nope"}"#, contentType: "application/json"))
        #expect(failure == StepFailure(#"HTTP request failed with status \#(status): {"error":"nope"}"#, retryable: retryable))
    }

    @Test func statusFailureQuotesTheFirst1000UnicodeScalars() throws {
        // 999 ASCII bytes, then multi-byte scalars: the cut falls inside the non-ASCII run.
        let body = String(repeating: "a", count: 999) + "é😀" + String(repeating: "ü", count: 600)
        let failure = try #require(try failureFor(.text(503, body)))
        #expect(failure.message == "HTTP request failed with status 503: " + String(repeating: "a", count: 999) + "é")
        #expect(failure.retryable)
        let short = try #require(try failureFor(.text(404, "😀 not here")))
        #expect(short.message == "HTTP request failed with status 404: 😀 not here")
    }

    @Test func invalidUTF8InAnErrorBodyIsReplaced() throws {
        let failure = try #require(try failureFor(.respond(status: 500, headers: [], body: [0x61, 0xFF, 0x62])))
        #expect(failure.message == "HTTP request failed with status 500: a\u{FFFD}b")
    }

    @Test func connectionRefusedIsARetryableTransportFailure() throws {
        // A port that was just free: nothing listens on it any more.
        let server = try TestServer { _ in .hang }
        let url = server.url("/")
        server.stop()
        #expect(server.wait { _ in (try? Shared.client.send(.init(url: url, timeoutMs: 1000))) == nil })
        let failure = try #require(failureOf(action, step(["endpoint": .string(url)])))
        #expect(failure.message.hasPrefix("HTTP request failed: Connection failed: "), "\(failure.message)")
        #expect(failure.retryable)
    }

    @Test(arguments: ["ftp://example.com/x", "example.com", "http://", "/relative"])
    func endpointsThatAreNotHTTPFail(_ endpoint: String) {
        let failure = failureOf(action, step(["endpoint": .string(endpoint)]))
        #expect(failure == StepFailure("HTTP request failed: Invalid URL: \(endpoint)"))
    }

    @Test(arguments: [JSON.null, "", "  ", 5])
    func missingEndpointFails(_ endpoint: JSON) {
        #expect(failureOf(action, step(["endpoint": endpoint])) == StepFailure("Missing required field: endpoint"))
        #expect(failureOf(action, step([:])) == StepFailure("Missing required field: endpoint"))
    }

    @Test func logInputParsesStringHeadersAndDropsIdentifiers() {
        let config: JSON = ["actionType": "HTTP Request", "integrationId": "int_1", "endpoint": "http://x/",
                            "httpHeaders": #"{"Authorization":"Bearer t"}"#, "httpBody": #"{"a":1}"#]
        #expect(action.logInput(config: config) == ["endpoint": "http://x/", "httpHeaders": ["Authorization": "Bearer t"],
                                                    "httpBody": #"{"a":1}"#])
        let object: JSON = ["endpoint": "http://x/", "httpHeaders": ["A": "b"]]
        #expect(action.logInput(config: object) == object)
        let unparsed: JSON = ["endpoint": "http://x/", "httpHeaders": "not json"]
        #expect(action.logInput(config: unparsed) == unparsed)
        let array: JSON = ["endpoint": "http://x/", "httpHeaders": "[1]"]
        #expect(action.logInput(config: array) == array)
    }
}
