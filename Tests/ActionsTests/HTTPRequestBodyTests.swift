// What an HTTP Request step puts on the wire: JSON vs text bodies and their content types, no body for GET or empty
// values, headers from an object or a JSON string, every method, and the client's User-Agent.
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct HTTPRequestBodyTests {
    let action = HTTPRequestAction(client: Shared.client)

    /// Runs one step against a server that answers 200 and returns the request it saw.
    func send(_ config: JSON) throws -> RecordedRequest {
        let server = try TestServer { _ in .text(200, "ok") }
        defer { server.stop() }
        var config = config
        config.set("endpoint", .string(server.url("/echo")))
        _ = try action.run(step(config))
        return try #require(server.requests.first)
    }

    struct BodyCase: Sendable, CustomTestStringConvertible {
        let body: JSON
        let sent: String
        let contentType: String
        var testDescription: String { "\(body.text) → \(sent)" }
    }

    static let bodies: [BodyCase] = [
        BodyCase(body: ["a": 1, "b": ["x", nil]], sent: #"{"a":1,"b":["x",null]}"#, contentType: "application/json"),
        BodyCase(body: [1, "two", true], sent: #"[1,"two",true]"#, contentType: "application/json"),
        BodyCase(body: [], sent: "[]", contentType: "application/json"),
        BodyCase(body: 42, sent: "42", contentType: "application/json"),
        BodyCase(body: 1.5, sent: "1.5", contentType: "application/json"),
        BodyCase(body: true, sent: "true", contentType: "application/json"),
        BodyCase(body: false, sent: "false", contentType: "application/json"),
        BodyCase(body: #" { "a" : [1, 2] } "#, sent: #"{"a":[1,2]}"#, contentType: "application/json"),
        BodyCase(body: "[1, 2]", sent: "[1,2]", contentType: "application/json"),
        BodyCase(body: #""quoted""#, sent: #""quoted""#, contentType: "application/json"),
        BodyCase(body: "7", sent: "7", contentType: "application/json"),
        BodyCase(body: "hello world", sent: "hello world", contentType: "text/plain; charset=utf-8"),
        BodyCase(body: "{not json", sent: "{not json", contentType: "text/plain; charset=utf-8"),
        BodyCase(body: "héllo ✓", sent: "héllo ✓", contentType: "text/plain; charset=utf-8"),
    ]

    @Test(arguments: bodies)
    func bodyIsSentAsJSONOrText(_ c: BodyCase) throws {
        let request = try send(["httpMethod": "POST", "httpBody": c.body])
        #expect(request.text == c.sent)
        #expect(request.values("content-type") == [c.contentType])
    }

    @Test(arguments: [JSON.object([]), "", "   ", "{}", " { } ", "null", .null])
    func emptyBodiesSendNone(_ body: JSON) throws {
        let request = try send(["httpMethod": "POST", "httpBody": body])
        #expect(request.body.isEmpty)
        #expect(request.header("content-length") == "0")
        #expect(request.header("content-type") == nil)
    }

    @Test func absentBodySendsNone() throws {
        let request = try send(["httpMethod": "PUT"])
        #expect(request.body.isEmpty)
        #expect(request.header("content-type") == nil)
    }

    @Test(arguments: [["a": 1] as JSON, "plain text"])
    func getSendsNoBody(_ body: JSON) throws {
        let request = try send(["httpMethod": "GET", "httpBody": body])
        #expect(request.method == "GET")
        #expect(request.body.isEmpty)
        #expect(request.header("content-length") == nil)
        #expect(request.header("content-type") == nil)
    }

    @Test func givenContentTypeIsKept() throws {
        let json = try send(["httpMethod": "POST", "httpHeaders": ["content-TYPE": "application/vnd.api+json"],
                             "httpBody": ["a": 1]])
        #expect(json.values("content-type") == ["application/vnd.api+json"])
        #expect(json.text == #"{"a":1}"#)
        let text = try send(["httpMethod": "POST", "httpHeaders": #"{"Content-Type":"text/csv"}"#, "httpBody": "a,b"])
        #expect(text.values("content-type") == ["text/csv"])
        #expect(text.text == "a,b")
    }

    @Test func headersFromAnObject() throws {
        let request = try send(["httpHeaders": ["X-Text": "v 1", "X-Number": 5, "X-Float": 2.5, "X-Bool": true,
                                                "X-Null": nil, "X-List": [1, "a"]]])
        #expect(request.header("x-text") == "v 1")
        #expect(request.header("x-number") == "5")
        #expect(request.header("x-float") == "2.5")
        #expect(request.header("x-bool") == "true")
        #expect(request.values("x-null").isEmpty)
        #expect(request.header("x-list") == #"[1,"a"]"#)
    }

    @Test func headersFromAJSONString() throws {
        let request = try send(["httpHeaders": #" {"Authorization": "Bearer abc", "X-N": 1} "#])
        #expect(request.header("authorization") == "Bearer abc")
        #expect(request.header("x-n") == "1")
    }

    @Test(arguments: [JSON(""), "  ", .null])
    func blankHeadersSendNone(_ headers: JSON) throws {
        let request = try send(["httpHeaders": headers])
        #expect(request.values("x-test").isEmpty)
        #expect(request.method == "GET")
    }

    @Test(arguments: [JSON("not json"), "[1, 2]", "42", "\"text\"", "{\"a\":", [1, 2], 3, true])
    func headersThatAreNotAnObjectFail(_ headers: JSON) throws {
        let server = try TestServer { _ in .text(200, "ok") }
        defer { server.stop() }
        let failure = failureOf(action, step(["endpoint": .string(server.url("/")), "httpHeaders": headers]))
        #expect(failure == StepFailure("HTTP request failed: httpHeaders is not a JSON object"))
        #expect(server.requests.isEmpty)
    }

    @Test(arguments: ["GET", "POST", "PUT", "PATCH", "DELETE"])
    func everyMethodIsSent(_ method: String) throws {
        let request = try send(["httpMethod": .string(method), "httpBody": ["m": .string(method)]])
        #expect(request.method == method)
        // The spec withholds the body only from GET: DELETE carries one.
        #expect(request.text == (method == "GET" ? "" : #"{"m":"\#(method)"}"#))
    }

    @Test func methodIsCaseInsensitiveAndDefaultsToGET() throws {
        #expect(try send(["httpMethod": " patch "]).method == "PATCH")
        #expect(try send([:]).method == "GET")
        #expect(try send(["httpMethod": ""]).method == "GET")
        #expect(try send(["httpMethod": nil]).method == "GET")
    }

    @Test(arguments: [JSON("TRACE"), "HEAD", "G ET", 5])
    func otherMethodsFail(_ method: JSON) {
        let failure = failureOf(action, step(["endpoint": "http://127.0.0.1:1/", "httpMethod": method]))
        let shown = method.string ?? method.text
        #expect(failure == StepFailure("HTTP request failed: unsupported method \(shown)"))
    }

    @Test func userAgentIsTheClients() throws {
        #expect(try send([:]).values("user-agent") == ["Orchestrator/test"])
    }
}
