// Redirects against the fixture server: chains up to 5, the 6th and loops fail, method/body rules for 303 and 307,
// and Authorization kept on the same origin but dropped across origins.
import Foundation
import Testing
@testable import HTTPClient

@Suite struct RedirectTests {
    let fixture: Fixture
    let client: HTTPClient

    init() throws {
        fixture = try Fixture.get()
        client = try Fixture.sharedClient.get()
    }

    @Test func followsFiveRedirects() throws {
        let response = try client.send(ClientRequest(url: fixture.url("http", "/redirect?n=5"), timeoutMs: 5000))
        #expect(response.status == 200)
        #expect(response.text == "done after redirects")
        #expect(response.url == fixture.url("http", "/redirect?n=0"))
    }

    @Test func sixthRedirectFails() {
        #expect(throws: ClientError.tooManyRedirects) {
            try client.send(ClientRequest(url: fixture.url("http", "/redirect?n=6"), timeoutMs: 5000))
        }
    }

    @Test func redirectLoopFails() {
        #expect(throws: ClientError.tooManyRedirects) {
            try client.send(ClientRequest(url: fixture.url("http", "/loop"), timeoutMs: 5000))
        }
    }

    @Test func redirectsAreNotFollowedWhenDisabled() throws {
        let response = try client.send(ClientRequest(url: fixture.url("http", "/redirect?n=1"), timeoutMs: 5000, followRedirects: false))
        #expect(response.status == 302)
        #expect(response.header("location") == "/redirect?n=0")
    }

    func redirectThenEcho(status: Int, method: String, to target: String, headers: [(String, String)] = []) throws -> [String: Any] {
        let location = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let response = try client.send(ClientRequest(
            method: method, url: fixture.url("http", "/status?code=\(status)&location=\(location)"),
            headers: [("Content-Type", "text/plain")] + headers, body: Array("payload".utf8), timeoutMs: 5000))
        #expect(response.status == 200)
        return jsonObject(response)
    }

    @Test func seeOtherTurnsPostIntoBodylessGet() throws {
        let echo = try redirectThenEcho(status: 303, method: "POST", to: "/echo")
        let headers = echo["headers"] as? [String: String] ?? [:]
        #expect(echo["method"] as? String == "GET")
        #expect(echo["body"] as? String == "")
        #expect(headers["content-type"] == nil && headers["content-length"] == nil)
    }

    @Test(arguments: [307, 308])
    func temporaryAndPermanentRedirectsKeepMethodAndBody(_ status: Int) throws {
        let echo = try redirectThenEcho(status: status, method: "POST", to: "/echo")
        let headers = echo["headers"] as? [String: String] ?? [:]
        #expect(echo["method"] as? String == "POST")
        #expect(echo["body"] as? String == "payload")
        #expect(headers["content-type"] == "text/plain")
    }

    @Test func authorizationSurvivesSameOriginRedirect() throws {
        let echo = try redirectThenEcho(status: 302, method: "GET", to: fixture.url("http", "/echo"),
                                        headers: [("Authorization", "Bearer secret")])
        #expect((echo["headers"] as? [String: String])?["authorization"] == "Bearer secret")
    }

    @Test func authorizationIsDroppedAcrossOrigins() throws {
        let echo = try redirectThenEcho(status: 307, method: "POST", to: fixture.url("http2", "/echo"),
                                        headers: [("Authorization", "Bearer secret"), ("Cookie", "a=b"), ("X-Other", "kept")])
        let headers = echo["headers"] as? [String: String] ?? [:]
        #expect(headers["authorization"] == nil)
        #expect(headers["cookie"] == nil)
        #expect(headers["x-other"] == "kept")
        #expect(echo["body"] as? String == "payload")
    }

    @Test func redirectFromHTTPToHTTPS() throws {
        let echo = try redirectThenEcho(status: 301, method: "GET", to: fixture.url("https", "/echo", host: "localhost"),
                                        headers: [("Authorization", "Bearer secret")])
        #expect(echo["method"] as? String == "GET")
        #expect((echo["headers"] as? [String: String])?["authorization"] == nil)
    }
}
