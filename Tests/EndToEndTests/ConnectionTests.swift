// Connection behaviour of the real binary over real sockets: keep-alive, pipelining, HEAD, Date and X-Request-Id,
// HTTP/1.0, a client that drips bytes, and half-close.
import Testing

@Suite struct ConnectionTests {
    @Test func healthAnswersOkWithVersion() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/health"))
        let r = try c.readResponse()
        #expect(r.status == 200)
        #expect(r.text.hasPrefix(Expected.healthPrefix) && r.text.hasSuffix("\"}"))
        #expect(r.header("Content-Type") == Expected.jsonType)
        #expect(r.header("Content-Length") == String(r.body.count))
        #expect(!r.closes)
        expectCommonHeaders(r)
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        for _ in 0..<5 {
            try c.send(Req.get("/health"))
            let r = try c.readResponse()
            #expect(r.status == 200)
            #expect(r.text.hasPrefix(Expected.healthPrefix))
            #expect(r.header("Connection") == nil)
        }
        // One access line per request (flushed after the responses are written, so poll).
        #expect(eventually { server.logText.components(separatedBy: "msg=request ").count - 1 == 5 })
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        let batch = Req.get("/health", headers: ["X-Request-Id: first"])
            + Req.get("/nope", headers: ["X-Request-Id: second"])
            + Req.head("/health", headers: ["X-Request-Id: third"])
            + Req.make("POST", "/health", headers: ["X-Request-Id: fourth"], body: "{}")
            + Req.get("/health", headers: ["X-Request-Id: fifth"])
        try c.send(batch)
        let expected: [(String, Int, Bool)] = [("first", 200, false), ("second", 404, false), ("third", 200, true),
                                               ("fourth", 405, false), ("fifth", 200, false)]
        for (id, status, head) in expected {
            let r = try c.readResponse(head: head)
            #expect(r.header("X-Request-Id") == id)
            #expect(r.status == status, "request \(id)")
            #expect(!r.closes)
        }
        #expect(c.unread.isEmpty)
    }

    @Test func headHasContentLengthButNoBody() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/health"))
        let get = try c.readResponse()
        // HEAD and GET pipelined: the GET's status line must follow the HEAD's header block immediately.
        try c.send(Req.head("/health") + Req.get("/health"))
        let head = try c.readResponse(head: true)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == String(get.body.count))
        #expect(head.header("Content-Type") == Expected.jsonType)
        expectCommonHeaders(head)
        let next = try c.readResponse()
        #expect(next.status == 200)
        #expect(next.body == get.body)
    }

    @Test func everyResponseCarriesDateAndRequestID() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        var seen = Set<String>()
        for request in [Req.get("/health"), Req.get("/missing"), Req.make("DELETE", "/health"), Req.head("/health")] {
            try c.send(request)
            let r = try c.readResponse(head: request.hasPrefix("HEAD"))
            expectCommonHeaders(r)
            let id = r.header("X-Request-Id") ?? ""
            #expect(!seen.contains(id), "fresh request id per request")
            seen.insert(id)
        }

        // A client value of up to 128 printable ASCII characters (space included) is echoed; anything else is replaced.
        let longest = String(repeating: "a", count: 128)
        for (sent, echoed) in [("abc-123_X.y", true), (longest, true), (longest + "b", false), ("two words", true), ("tab\tinside", false)] {
            try c.send(Req.get("/health", headers: ["X-Request-Id: \(sent)"]))
            let r = try c.readResponse()
            expectCommonHeaders(r)
            #expect((r.header("X-Request-Id") == sent) == echoed, "X-Request-Id \(sent)")
        }

        // HTTP-layer errors carry them too.
        let bad = try RawClient(port: server.port)
        try bad.send("GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n")
        try expectErrorAndClose(bad, 400, "Bad request")
    }

    @Test func errorAfterAKeepAliveRequestGetsAFreshRequestID() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/health", headers: ["X-Request-Id: first-request"]))
        #expect(try c.readResponse().header("X-Request-Id") == "first-request")
        try c.send("GET /health HTTP/1.1\r\n\r\n")   // no Host: 400
        let r = try c.readResponse()
        #expect(r.status == 400)
        expectCommonHeaders(r)
        #expect(r.header("X-Request-Id") != "first-request")
    }

    @Test func http10ClosesUnlessKeepAliveIsRequested() throws {
        let server = try ServerProcess()
        let plain = try RawClient(port: server.port)
        try plain.send(Req.make("GET", "/health", version: "HTTP/1.0", host: false))
        let r = try plain.readResponse()
        #expect(r.status == 200)
        #expect(r.closes)
        #expect(plain.closesQuietly())

        let kept = try RawClient(port: server.port)
        for _ in 0..<2 {
            try kept.send(Req.make("GET", "/health", headers: ["Connection: keep-alive"], version: "HTTP/1.0", host: false))
            let k = try kept.readResponse()
            #expect(k.status == 200)
            #expect(k.header("Connection")?.lowercased() == "keep-alive")
        }

        let closing = try RawClient(port: server.port)
        try closing.send(Req.get("/health", headers: ["Connection: close"]))
        #expect(try closing.readResponse().closes)
        #expect(closing.closesQuietly())
    }

    @Test func slowClientSendingOneByteAtATimeGets200() throws {
        let server = try ServerProcess(environment: ["ORCHESTRATOR_HEADER_TIMEOUT_S": "5"])
        let c = try RawClient(port: server.port)
        try c.sendSlowly(Req.get("/health", headers: ["User-Agent: drip"]), delay: 0.002)
        let r = try c.readResponse()
        #expect(r.status == 200)
        #expect(r.text.hasPrefix(Expected.healthPrefix))
        // The same connection still works afterwards.
        try c.sendSlowly(Req.make("POST", "/health", body: "{\"a\":1}"), delay: 0.001)
        #expect(try c.readResponse().status == 405)
    }

    @Test func halfClosedClientStillGetsItsResponses() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/health") + Req.get("/nope"))
        c.shutdownWrite()
        let first = try c.readResponse()
        #expect(first.status == 200)
        let second = try c.readResponse()
        #expect(second.status == 404)
        #expect(second.text == Expected.errorBody("Not found"))
        let (rest, end) = try c.readToEnd()
        #expect(rest.isEmpty)
        #expect(end == .eof)
    }

    @Test func requestTargetFormsAndLeadingEmptyLines() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        try c.send("\r\n\r\n" + Req.get("/health"))                                        // RFC 9112 §2.2
        #expect(try c.readResponse().status == 200)
        try c.send(Req.get("/health?verbose=1&x=%20"))
        #expect(try c.readResponse().status == 200)
        try c.send(Req.get("http://localhost/health"))                                  // absolute-form
        #expect(try c.readResponse().status == 200)
        try c.send(Req.get("//health"))
        #expect(try c.readResponse().status == 404)
    }

    @Test func nothingIsAnsweredAfterConnectionClose() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/health", headers: ["Connection: close"]) + Req.get("/health") + Req.get("/nope"))
        let r = try c.readResponse()
        #expect(r.status == 200)
        #expect(r.closes)
        let (rest, _) = try c.readToEnd()
        #expect(rest.isEmpty, "the pipelined requests after Connection: close are not answered")
    }

    @Test func binaryGarbageIsRejectedAndTheServerCarriesOn() throws {
        let server = try ServerProcess()
        var state: UInt32 = 12345
        for round in 0..<5 {
            let garbage: [UInt8] = (0..<4096).map { _ in
                state = state &* 1_103_515_245 &+ 12345
                return UInt8(truncatingIfNeeded: state >> 16)
            }
            let c = try RawClient(port: server.port)
            try? c.send(garbage)   // the server may answer and close before all of it is sent
            let r = try c.readResponse()
            #expect([400, 414, 431, 501, 505].contains(r.status), "round \(round): \(r.status)")
            #expect(r.closes)
        }
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/health"))
        #expect(try c.readResponse().status == 200)
    }
}
