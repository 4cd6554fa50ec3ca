// Routing and HTTP-layer errors of the real binary (SPEC §0): exact statuses, JSON bodies, Allow, and which of them
// close the connection.
import Testing

@Suite struct ErrorResponseTests {
    @Test func unknownPathIs404AndKeepsTheConnection() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        for path in ["/nope", "/health/", "/api/no-such-route", "/HEALTH"] {
            try c.send(Req.get(path))
            let r = try c.readResponse()
            #expect(r.status == 404, "\(path)")
            #expect(r.text == Expected.errorBody("Not found"))
            #expect(r.header("Content-Type") == Expected.jsonType)
            #expect(!r.closes)
            expectCommonHeaders(r)
        }
    }

    @Test func wrongMethodIs405WithAllow() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        let requests = [Req.make("POST", "/health", body: "{}"), Req.make("POST", "/health"), Req.make("DELETE", "/health"),
                        Req.make("PATCH", "/health", body: "x"), Req.make("PUT", "/health"), Req.make("OPTIONS", "/health")]
        for request in requests {
            try c.send(request)
            let r = try c.readResponse()
            #expect(r.status == 405, "\(request.prefix(12))")
            #expect(r.header("Allow") == "GET, HEAD")
            #expect(r.text == Expected.errorBody("Method not allowed"))
            #expect(!r.closes)
            expectCommonHeaders(r)
        }
        try c.send(Req.get("/health"))
        #expect(try c.readResponse().status == 200)
    }

    @Test func unknownMethodIs501AndCloses() throws {
        let server = try ServerProcess()
        for request in [Req.make("BREW", "/health"), Req.make("BREW", "/nope"), Req.make("get", "/health")] {
            let c = try RawClient(port: server.port)
            try c.send(request)
            try expectErrorAndClose(c, 501, "Not implemented")
        }
    }

    @Test func unknownTransferCodingIs501AndCloses() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        try c.send(Req.make("POST", "/health", headers: ["Transfer-Encoding: gzip, chunked"]))
        try expectErrorAndClose(c, 501, "Not implemented")
    }

    @Test func otherHTTPVersionsAre505AndClose() throws {
        let server = try ServerProcess()
        for version in ["HTTP/2.0", "HTTP/0.9", "HTTP/3.0"] {
            let c = try RawClient(port: server.port)
            try c.send(Req.make("GET", "/health", version: version))
            try expectErrorAndClose(c, 505, "HTTP version not supported")
        }
    }

    @Test func malformedRequestsAre400AndClose() throws {
        let server = try ServerProcess()
        let cases: [(String, String)] = [
            ("no Host", "GET /health HTTP/1.1\r\n\r\n"),
            ("two Hosts", "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
            ("space before colon", "GET /health HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n"),
            ("obs-fold", "GET /health HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  c\r\n\r\n"),
            ("bare LF", "GET /health HTTP/1.1\nHost: a\r\n\r\n"),
            ("bare CR", "GET /health HTTP/1.1\r\nHost: a\rX: y\r\n\r\n"),
            ("garbage request line", "HELLO\r\n\r\n"),
            ("two spaces", "GET  /health HTTP/1.1\r\nHost: a\r\n\r\n"),
            ("lowercase version", "GET /health http/1.1\r\nHost: a\r\n\r\n"),
            ("Content-Length and Transfer-Encoding", "POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            ("Content-Length not digits", "POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc"),
            ("Content-Lengths disagree", "POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
            ("Transfer-Encoding in HTTP/1.0", "POST /health HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            ("chunked not last", "POST /health HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
            ("bad chunk size", "POST /health HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
            ("chunk without CRLF", "POST /health HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n"),
            ("fragment in target", "GET /health#x HTTP/1.1\r\nHost: a\r\n\r\n"),
            ("NUL in a header", "GET /health HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n"),
        ]
        for (name, raw) in cases {
            let c = try RawClient(port: server.port)
            try c.send(raw)
            let r = try c.readResponse()
            #expect(r.status == 400, "\(name)")
            #expect(r.text == Expected.errorBody("Bad request"), "\(name)")
            #expect(r.closes, "\(name): Connection: close")
            expectCommonHeaders(r)
            #expect(c.closesQuietly(), "\(name): closed after the response")
        }
        // The server is unharmed.
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/health"))
        #expect(try c.readResponse().status == 200)
    }

    @Test func malformedRequestAfterAGoodOneStillGetsItsResponseFirst() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/health") + "GET /health HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n" + Req.get("/health"))
        #expect(try c.readResponse().status == 200)
        try expectErrorAndClose(c, 400, "Bad request")
    }
}
