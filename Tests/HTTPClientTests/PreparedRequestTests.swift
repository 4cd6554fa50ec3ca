// PreparedRequest without sockets: the request head on the wire, header validation, and fetch's redirect rules.
import Testing
@testable import HTTPClient

@Suite struct PreparedRequestTests {
    @Test func writesHeadWithDefaultsAndBodyLength() throws {
        let request = ClientRequest(method: "POST", url: "http://example.com:8080/p?q=1",
                                    headers: [("X-A", "1"), ("Host", "evil"), ("Content-Length", "99")], body: Array("hi".utf8))
        let head = String(decoding: try PreparedRequest(request).head(userAgent: "UA/1"), as: UTF8.self)
        #expect(head == "POST /p?q=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: UA/1\r\nAccept-Encoding: gzip\r\n"
                + "X-A: 1\r\nContent-Length: 2\r\n\r\n")
    }

    @Test func callerUserAgentWinsAndBodylessPostSendsZeroLength() throws {
        let request = ClientRequest(method: "POST", url: "https://[::1]/", headers: [("user-agent", "Mine")])
        let head = String(decoding: try PreparedRequest(request).head(userAgent: "UA/1"), as: UTF8.self)
        #expect(head == "POST / HTTP/1.1\r\nHost: [::1]\r\nAccept-Encoding: gzip\r\nuser-agent: Mine\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func rejectsHeaderInjectionAndBadMethods() {
        #expect(throws: ClientError.self) { try PreparedRequest(ClientRequest(url: "http://h/", headers: [("X", "a\r\nB: c")])) }
        #expect(throws: ClientError.self) { try PreparedRequest(ClientRequest(url: "http://h/", headers: [("X Y", "a")])) }
        #expect(throws: ClientError.self) { try PreparedRequest(ClientRequest(method: "GET /", url: "http://h/")) }
        #expect(throws: ClientError.invalidURL("http://u@h/")) { try PreparedRequest(ClientRequest(url: "http://u@h/")) }
    }

    static let base = try! PreparedRequest(ClientRequest(
        method: "POST", url: "http://a.example/x",
        headers: [("Authorization", "Bearer t"), ("Content-Type", "application/json"), ("Cookie", "c=1"), ("X-Keep", "1")],
        body: Array("{}".utf8)))

    @Test(arguments: [(301, "GET"), (302, "GET"), (303, "GET"), (307, "POST"), (308, "POST")])
    func postRedirectMethod(_ status: Int, _ method: String) throws {
        let next = try Self.base.redirected(status: status, location: "/y")
        #expect(next.method == method)
        #expect((next.body == nil) == (method == "GET"))
        #expect(next.has("content-type") == (method == "POST"))
        #expect(next.has("authorization") && next.has("cookie") && next.has("x-keep"))
        #expect(next.url.description == "http://a.example/y")
    }

    @Test func putBecomesGetOn301And303() throws {
        var put = Self.base
        put.method = "PUT"
        #expect(try put.redirected(status: 301, location: "/y").method == "GET")
        #expect(try put.redirected(status: 303, location: "/y").method == "GET")
        var head = Self.base
        head.method = "HEAD"
        #expect(try head.redirected(status: 303, location: "/y").method == "HEAD")
    }

    @Test func crossOriginDropsCredentials() throws {
        for location in ["http://b.example/y", "https://a.example/y", "http://a.example:81/y"] {
            let next = try Self.base.redirected(status: 307, location: location)
            #expect(!next.has("authorization") && !next.has("cookie"), "\(location)")
            #expect(next.has("x-keep") && next.has("content-type"))
        }
        #expect(try Self.base.redirected(status: 307, location: "HTTP://A.EXAMPLE:80/z").has("authorization"))
    }

    @Test func badLocationIsInvalidURL() {
        #expect(throws: ClientError.invalidURL("ftp://x/")) { try Self.base.redirected(status: 302, location: "ftp://x/") }
    }
}
