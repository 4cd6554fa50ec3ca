// Redirects an HTTP Request step follows (SPEC §3.2, fetch semantics): 301/302/303 become a body-less GET, 307/308
// keep method and body, and Authorization survives only on the same origin (another port is another origin).
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct HTTPRequestRedirectTests {
    let action = HTTPRequestAction(client: Shared.client)

    @Test(arguments: [301, 302, 303])
    func seeOtherKindsBecomeGETWithoutBody(_ status: Int) throws {
        let server = try TestServer { $0.target == "/start" ? .redirect(status, to: "/landing") : .text(200, "landed") }
        defer { server.stop() }
        let output = try action.run(step(["endpoint": .string(server.url("/start")), "httpMethod": "POST",
                                          "httpHeaders": ["X-Keep": "yes"], "httpBody": ["a": 1]]))
        #expect(output == ["success": true, "status": 200, "data": "landed"])
        let requests = server.requests
        try #require(requests.count == 2)
        #expect(requests[0].method == "POST" && requests[0].text == #"{"a":1}"#)
        #expect(requests[1].method == "GET" && requests[1].target == "/landing")
        #expect(requests[1].body.isEmpty)
        #expect(requests[1].header("content-type") == nil)
        #expect(requests[1].header("x-keep") == "yes")
    }

    @Test(arguments: [307, 308], ["POST", "PUT", "PATCH", "DELETE"])
    func temporaryAndPermanentKeepMethodAndBody(_ status: Int, _ method: String) throws {
        let server = try TestServer { $0.target == "/start" ? .redirect(status, to: "/landing") : .text(200, "landed") }
        defer { server.stop() }
        _ = try action.run(step(["endpoint": .string(server.url("/start")), "httpMethod": .string(method),
                                 "httpBody": "plain"]))
        let requests = server.requests
        try #require(requests.count == 2)
        #expect(requests[1].target == "/landing")
        #expect(requests[1].method == method)
        #expect(requests[1].text == "plain")
        #expect(requests[1].header("content-type") == "text/plain; charset=utf-8")
    }

    @Test(arguments: [302, 307])
    func authorizationIsDroppedAcrossOrigins(_ status: Int) throws {
        let other = try TestServer { _ in .text(200, "other") }
        defer { other.stop() }
        let landing = other.url("/landing")
        let server = try TestServer { _ in .redirect(status, to: landing) }
        defer { server.stop() }
        let output = try action.run(step(["endpoint": .string(server.url("/start")),
                                          "httpHeaders": ["Authorization": "Bearer secret", "X-Keep": "yes"]]))
        #expect(output["data"] == "other")
        #expect(server.requests.first?.header("authorization") == "Bearer secret")
        let landed = try #require(other.requests.first)
        #expect(landed.header("authorization") == nil)
        #expect(landed.header("x-keep") == "yes")
    }

    @Test(arguments: [302, 307])
    func authorizationIsKeptOnTheSameOrigin(_ status: Int) throws {
        let server = try TestServer { $0.target == "/start" ? .redirect(status, to: "/landing") : .text(200, "landed") }
        defer { server.stop() }
        _ = try action.run(step(["endpoint": .string(server.url("/start")), "httpHeaders": ["Authorization": "Bearer secret"]]))
        let requests = server.requests
        try #require(requests.count == 2)
        #expect(requests[1].header("authorization") == "Bearer secret")
    }

    @Test func moreThanFiveRedirectsFail() throws {
        let server = try TestServer { _ in .redirect(302, to: "/again") }
        defer { server.stop() }
        let failure = failureOf(action, step(["endpoint": .string(server.url("/start"))]))
        #expect(failure == StepFailure("HTTP request failed: Too many redirects (more than 5)"))
        #expect(server.requests.count == 6)
    }
}
