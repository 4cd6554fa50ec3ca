// HTTPClient over plain TCP against the fixture server: bodies in every framing, gzip, HEAD/204/1xx, size caps, errors.
import Foundation
import Testing
@testable import HTTPClient

@Suite struct PlainHTTPTests {
    let fixture: Fixture
    let client: HTTPClient

    init() throws {
        fixture = try Fixture.get()
        client = try Fixture.sharedClient.get()
    }

    func get(_ path: String, listener: String = "http", maxResponseBytes: Int = ClientRequest.defaultMaxResponseBytes) throws -> ClientResponse {
        try client.send(ClientRequest(url: fixture.url(listener, path), timeoutMs: 5000, maxResponseBytes: maxResponseBytes))
    }

    @Test func getsJSON() throws {
        let response = try get("/json")
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        #expect(response.header("CONTENT-TYPE") == "application/json")
        #expect(jsonObject(response)["ok"] as? Bool == true)
        #expect(response.url == fixture.url("http", "/json"))
    }

    @Test func postsBodyWithLengthAndDefaultHeaders() throws {
        let response = try client.send(ClientRequest(method: "POST", url: fixture.url("http", "/echo"),
                                                     headers: [("Content-Type", "text/plain"), ("X-Custom", "v")],
                                                     body: Array("hello body".utf8), timeoutMs: 5000))
        let echo = jsonObject(response)
        let headers = echo["headers"] as? [String: String] ?? [:]
        #expect(echo["method"] as? String == "POST")
        #expect(echo["body"] as? String == "hello body")
        #expect(headers["content-length"] == "10")
        #expect(headers["user-agent"] == "Orchestrator/test")
        #expect(headers["accept-encoding"] == "gzip")
        #expect(headers["x-custom"] == "v")
        #expect(headers["host"] == "127.0.0.1:\(fixture.ports["http"]!)")
    }

    @Test func decodesChunkedBody() throws {
        let response = try get("/chunked")
        #expect(response.text == "hello chunked world")
    }

    @Test(arguments: ["/gzip", "/gzip?mode=chunked"])
    func decodesGzip(_ path: String) throws {
        let response = try get(path)
        #expect(response.header("content-encoding") == "gzip")
        #expect(response.body.count == 34000)
        #expect(response.text.hasPrefix("gzip body line 0\ngzip body line 0\n"))
    }

    @Test func readsCloseDelimitedBody() throws {
        #expect(try get("/close-delimited").text == "body until close")
    }

    @Test func headAnd204HaveNoBody() throws {
        let head = try client.send(ClientRequest(method: "HEAD", url: fixture.url("http", "/json"), timeoutMs: 5000))
        #expect(head.status == 200 && head.body.isEmpty)
        let noContent = try get("/nocontent")
        #expect(noContent.status == 204 && noContent.body.isEmpty)
        // The connection stays usable after both.
        #expect(try get("/json").status == 200)
    }

    @Test func skipsInterimResponses() throws {
        let response = try get("/interim")
        #expect(response.status == 200 && response.text == "final")
    }

    @Test func returnsErrorStatusesAsResponses() throws {
        let response = try get("/nowhere")
        #expect(response.status == 404 && response.text == "not found")
    }

    @Test(arguments: ["length", "chunked", "gzip"])
    func capsResponseSize(_ mode: String) throws {
        #expect(throws: ClientError.tooLarge(limit: 100_000)) {
            try get("/big?n=200000&mode=\(mode)", maxResponseBytes: 100_000)
        }
        #expect(try get("/big?n=100000&mode=\(mode)", maxResponseBytes: 100_000).body.count == 100_000)
    }

    @Test func refusedConnectionIsAConnectError() throws {
        // Bind a port, then close it, so nothing listens there.
        let url = "http://127.0.0.1:\(try unusedPort())/"
        #expect {
            try client.send(ClientRequest(url: url, timeoutMs: 2000))
        } throws: { error in
            guard case .connect(let detail) = error as? ClientError else { return false }
            return detail.contains("Connection refused")
        }
    }

    @Test func resolvesNamesAndFallsBackAcrossAddresses() throws {
        // "localhost" may resolve to ::1 first, where this port is closed: the client moves on to 127.0.0.1.
        let response = try client.send(ClientRequest(url: fixture.url("http", "/json", host: "localhost"), timeoutMs: 5000))
        #expect(response.status == 200)
    }

    @Test func unknownHostIsADNSError() {
        #expect {
            try client.send(ClientRequest(url: "http://nonexistent.invalid/", timeoutMs: 3000))
        } throws: { error in
            switch error as? ClientError {
            case .dns(let detail): detail.hasPrefix("nonexistent.invalid: ")
            case .timeout(3000): true   // a resolver that never answers still ends on time
            default: false
            }
        }
    }

    @Test func invalidURLsFailBeforeConnecting() {
        #expect(throws: ClientError.invalidURL("ftp://x/")) { try client.send(ClientRequest(url: "ftp://x/")) }
        #expect(throws: ClientError.invalidURL("http://user:pw@127.0.0.1/")) {
            try client.send(ClientRequest(url: "http://user:pw@127.0.0.1/"))
        }
    }

    @Test func errorDescriptionsAreReadable() {
        #expect(ClientError.timeout(1500).description == "Request timed out after 1500 ms")
        #expect(ClientError.tls("certificate verify failed: hostname mismatch").description
                == "TLS error: certificate verify failed: hostname mismatch")
        #expect(ClientError.tooManyRedirects.description == "Too many redirects (more than 5)")
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
func unusedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw FixtureError(description: "bind failed") }
    return Int(UInt16(bigEndian: addr.sin_port))
}
