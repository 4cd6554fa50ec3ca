// Keep-alive reuse as the fixture server sees it (distinct accepted connections per test key), and recovery when a
// pooled connection was closed by the server.
import Foundation
import Testing
@testable import HTTPClient

@Suite struct ConnectionPoolTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture.get()
    }

    @Test(arguments: ["http", "https"])
    func sequentialRequestsShareOneConnection(_ listener: String) throws {
        let client = fixture.client()
        let key = uniqueKey()
        for path in ["/json", "/chunked", "/gzip", "/echo", "/json", "/redirect?n=2"] {
            let separator = path.contains("?") ? "&" : "?"
            let response = try client.send(ClientRequest(url: fixture.url(listener, "\(path)\(separator)k=\(key)"), timeoutMs: 5000))
            #expect(response.status == 200)
        }
        #expect(try fixture.connections(for: key) == 1)
    }

    @Test func closeDelimitedAndConnectionCloseAreNotReused() throws {
        let client = fixture.client()
        let key = uniqueKey()
        _ = try client.send(ClientRequest(url: fixture.url("http", "/close-delimited?k=\(key)"), timeoutMs: 5000))
        _ = try client.send(ClientRequest(url: fixture.url("http", "/json?k=\(key)"), headers: [("Connection", "close")], timeoutMs: 5000))
        _ = try client.send(ClientRequest(url: fixture.url("http", "/json?k=\(key)"), timeoutMs: 5000))
        #expect(try fixture.connections(for: key) == 2)
    }

    @Test func theIdleCapAcrossOriginsEvictsTheOldest() throws {
        let client = HTTPClient(caFile: fixture.caFile, userAgent: "Orchestrator/test", maxIdleTotal: 1)
        let key = uniqueKey()
        // Two origins (by host name) on one fixture port: with room for one idle connection in all, each request
        // evicts the other origin's connection, so every request to 127.0.0.1 opens a new one.
        for _ in 0..<3 {
            _ = try client.send(ClientRequest(url: fixture.url("http", "/json?k=\(key)"), timeoutMs: 5000))
            _ = try client.send(ClientRequest(url: fixture.url("http", "/json?k=\(key)-b", host: "localhost"), timeoutMs: 5000))
        }
        #expect(try fixture.connections(for: key) == 3)
        // With the default cap both stay pooled.
        let roomy = fixture.client()
        let key2 = uniqueKey()
        for _ in 0..<3 {
            _ = try roomy.send(ClientRequest(url: fixture.url("http", "/json?k=\(key2)"), timeoutMs: 5000))
            _ = try roomy.send(ClientRequest(url: fixture.url("http", "/json?k=\(key2)-b", host: "localhost"), timeoutMs: 5000))
        }
        #expect(try fixture.connections(for: key2) == 1)
    }

    @Test func aResponseWithBothFramingsIsReadByTransferEncodingAndNotReused() throws {
        let client = fixture.client()
        let key = uniqueKey()
        for _ in 0..<2 {
            let response = try client.send(ClientRequest(url: fixture.url("http", "/te-and-cl?k=\(key)"), timeoutMs: 5000))
            #expect(response.text == "chunked wins")
        }
        #expect(try fixture.connections(for: key) == 2)
    }

    @Test func disabledPoolOpensAConnectionPerRequest() throws {
        let client = fixture.client(maxIdlePerOrigin: 0)
        let key = uniqueKey()
        for _ in 0..<3 { _ = try client.send(ClientRequest(url: fixture.url("http", "/json?k=\(key)"), timeoutMs: 5000)) }
        #expect(try fixture.connections(for: key) == 3)
    }

    /// GET only: a POST may legitimately fail when the server's close races with the request (it is never repeated).
    @Test func serverClosedIdleConnectionIsReplaced() throws {
        let client = fixture.client()
        let key = uniqueKey()
        for _ in 0..<3 {
            // The server answers keep-alive, then closes: the next request finds a stale pooled connection.
            let response = try client.send(ClientRequest(url: fixture.url("http", "/close-after?k=\(key)"), timeoutMs: 5000))
            #expect(response.text == "ok")
        }
        #expect(try fixture.connections(for: key) == 3)
    }

    @Test func idempotentRequestIsRetriedOnceWhenAPooledConnectionDrops() throws {
        let client = fixture.client()
        let key = uniqueKey()
        // The server answers, keeps the connection, then closes it on the next request without a response byte.
        #expect(try client.send(ClientRequest(url: fixture.url("http", "/arm-drop?k=\(key)"), timeoutMs: 5000)).text == "armed")
        let response = try client.send(ClientRequest(url: fixture.url("http", "/json?k=\(key)"), timeoutMs: 5000))
        #expect(response.status == 200)
        #expect(try fixture.connections(for: key) == 2)
    }

    @Test func postIsNotRepeatedWhenAPooledConnectionDrops() throws {
        let client = fixture.client()
        let key = uniqueKey()
        _ = try client.send(ClientRequest(url: fixture.url("http", "/arm-drop?k=\(key)"), timeoutMs: 5000))
        #expect(throws: ClientError.network("connection closed before the response")) {
            try client.send(ClientRequest(method: "POST", url: fixture.url("http", "/echo?k=\(key)"), body: [1], timeoutMs: 5000))
        }
        #expect(try fixture.connections(for: key) == 1)
    }
}
