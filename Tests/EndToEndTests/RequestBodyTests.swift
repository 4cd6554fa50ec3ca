// Request bodies over real sockets: chunked uploads, Expect: 100-continue, and a body that trickles in. Uses an
// in-process server with an echo route (the binary has no body-taking route yet) and the binary where it can.
import Testing

@Suite struct RequestBodyTests {
    @Test func chunkedUploadIsDecodedAndTheConnectionStaysUsable() throws {
        let server = try InProcessServer(routes: TestRoutes.echo)
        let c = try RawClient(port: server.port)
        try c.send(Req.make("POST", "/echo", headers: ["Transfer-Encoding: chunked"])
            + "5\r\nhello\r\n" + "1;ext=1\r\n,\r\n" + "A\r\n world 123\r\n" + "0\r\nX-Trailer: t\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 200)
        #expect(r.text == "hello, world 123")
        #expect(!r.closes)

        // The same request split into small writes, then a plain request after it on the same connection.
        let raw = Req.make("POST", "/echo", headers: ["Transfer-Encoding: chunked"]) + "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        for piece in raw.utf8.chunked(7) { try c.send(piece) }
        #expect(try c.readResponse().text == "abcde")
        try c.send(Req.make("POST", "/echo", body: "plain"))
        #expect(try c.readResponse().text == "plain")
    }

    @Test func largeChunkedUploadArrivesIntact() throws {
        let server = try InProcessServer(routes: TestRoutes.echo)
        let c = try RawClient(port: server.port)
        let payload = TestRoutes.pattern(from: 0, count: 600_000)
        var raw = Array(Req.make("POST", "/echo", headers: ["Transfer-Encoding: chunked"]).utf8)
        var off = 0
        while off < payload.count {
            let n = min(40_000, payload.count - off)
            raw.append(contentsOf: String(n, radix: 16).utf8)
            raw.append(contentsOf: [13, 10])
            raw.append(contentsOf: payload[off..<(off + n)])
            raw.append(contentsOf: [13, 10])
            off += n
        }
        raw += Array("0\r\n\r\n".utf8)
        try c.send(raw)
        let r = try c.readResponse()
        #expect(r.status == 200)
        #expect(r.body == payload)
    }

    @Test func chunkedPostToHealthIs405AndTheConnectionStaysUsable() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        try c.send(Req.make("POST", "/health", headers: ["Transfer-Encoding: chunked", "Content-Type: application/json"])
            + "2\r\n{}\r\n0\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 405)
        #expect(r.header("Allow") == "GET, HEAD")
        #expect(!r.closes)
        try c.send(Req.get("/health"))
        #expect(try c.readResponse().status == 200)
    }

    @Test func expectContinueGets100BeforeTheBody() throws {
        let server = try InProcessServer(routes: TestRoutes.echo)
        let c = try RawClient(port: server.port)
        try c.send(Req.make("POST", "/echo", headers: ["Content-Length: 11", "Expect: 100-continue"]))
        let interim = try c.readResponse()
        #expect(interim.status == 100)
        #expect(interim.reason == "Continue")
        #expect(interim.headers.isEmpty)
        try c.send("hello world")
        let r = try c.readResponse()
        #expect(r.status == 200)
        #expect(r.text == "hello world")

        // Chunked with Expect, on the same connection.
        try c.send(Req.make("POST", "/echo", headers: ["Transfer-Encoding: chunked", "Expect: 100-continue"]))
        #expect(try c.readResponse().status == 100)
        try c.send("4\r\nabcd\r\n0\r\n\r\n")
        #expect(try c.readResponse().text == "abcd")

        // When the body is already sent with the head, no 100 Continue is needed (and none is sent).
        try c.send(Req.make("POST", "/echo", headers: ["Expect: 100-continue"], body: "xyz"))
        let direct = try c.readResponse()
        #expect(direct.status == 200)
        #expect(direct.text == "xyz")
    }

    @Test func expectContinueOnTheBinary() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        try c.send(Req.make("POST", "/health", headers: ["Content-Length: 2", "Expect: 100-continue"]))
        #expect(try c.readResponse().status == 100)
        try c.send("{}")
        let r = try c.readResponse()
        #expect(r.status == 405)
        #expect(!r.closes)
    }

    @Test func slowBodyWithinTheGapTimeoutIsAccepted() throws {
        let server = try InProcessServer(configure: { $0.bodyTimeoutMs = 600 }, routes: TestRoutes.echo)
        let c = try RawClient(port: server.port)
        let body = "0123456789ab"
        try c.send(Req.make("POST", "/echo", headers: ["Content-Length: \(body.utf8.count)"]))
        // 12 bytes 60 ms apart: longer than the timeout in all, but never a gap anywhere near it.
        let start = monotonicSeconds()
        try c.sendSlowly(body, delay: 0.06)
        let r = try c.readResponse()
        #expect(monotonicSeconds() - start > 0.6)
        #expect(r.status == 200)
        #expect(r.text == body)
    }

    @Test func pipelinedBodiesStayInOrder() throws {
        let server = try InProcessServer(routes: TestRoutes.echo)
        let c = try RawClient(port: server.port)
        try c.send(Req.make("POST", "/echo", body: "one") + Req.make("POST", "/echo", headers: ["Transfer-Encoding: chunked"])
            + "3\r\ntwo\r\n0\r\n\r\n" + Req.make("POST", "/echo", body: "three"))
        #expect(try c.readResponse().text == "one")
        #expect(try c.readResponse().text == "two")
        #expect(try c.readResponse().text == "three")
    }
}

extension Sequence {
    /// Consecutive pieces of at most `size` elements.
    func chunked(_ size: Int) -> [[Element]] {
        var out: [[Element]] = []
        var current: [Element] = []
        for e in self {
            current.append(e)
            if current.count == size { out.append(current); current = [] }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
