// HTTPClient.stream: body pieces arrive as the server sends them (server-sent events), decoded, and can be stopped.
import Foundation
import Testing
@testable import HTTPClient

@Suite struct StreamingTests {
    let fixture: Fixture
    let client: HTTPClient

    init() throws {
        fixture = try Fixture.get()
        client = try Fixture.sharedClient.get()
    }

    @Test func firstEventArrivesBeforeTheServerFinishes() throws {
        let start = monotonicSeconds()
        var parser = ServerSentEvents()
        var events: [(String, Double)] = []
        var status = 0
        var contentType: String?
        try client.stream(ClientRequest(method: "POST", url: fixture.url("http", "/sse?delay=1000"), body: Array("{}".utf8),
                                        timeoutMs: 5000),
                          onResponse: { code, headers in
                              status = code
                              contentType = ResponseHead.value(of: "content-type", in: headers)
                          },
                          onChunk: { piece in
                              events += parser.feed(piece).map { ($0, monotonicSeconds() - start) }
                              return true
                          })
        #expect(status == 200 && contentType == "text/event-stream")
        #expect(events.map(\.0) == ["first", "second", "[DONE]"])
        let first = try #require(events.first?.1)
        let last = try #require(events.last?.1)
        #expect(first < 0.5, "first event after \(first) s")
        #expect(last - first >= 0.9, "the rest came \(last - first) s later")
    }

    @Test func returningFalseStopsTheStream() throws {
        let start = monotonicSeconds()
        var pieces = 0
        try client.stream(ClientRequest(url: fixture.url("http", "/sse?delay=2000"), timeoutMs: 5000),
                          onResponse: { _, _ in }, onChunk: { _ in
                              pieces += 1
                              return false
                          })
        #expect(pieces == 1)
        #expect(monotonicSeconds() - start < 1)
    }

    @Test func streamsDecodedGzip() throws {
        var total = 0
        try client.stream(ClientRequest(url: fixture.url("https", "/gzip?mode=chunked", host: "localhost"), timeoutMs: 5000),
                          onResponse: { status, _ in #expect(status == 200) },
                          onChunk: { piece in
                              total += piece.count
                              return true
                          })
        #expect(total == 34000)
    }

    struct Stop: Error {}

    @Test func callbackErrorsPropagate() {
        #expect(throws: Stop.self) {
            try client.stream(ClientRequest(url: fixture.url("http", "/json"), timeoutMs: 5000),
                              onResponse: { _, _ in throw Stop() }, onChunk: { _ in true })
        }
        #expect(throws: Stop.self) {
            try client.stream(ClientRequest(url: fixture.url("http", "/chunked"), timeoutMs: 5000),
                              onResponse: { _, _ in }, onChunk: { _ in throw Stop() })
        }
    }
}
