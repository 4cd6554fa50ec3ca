// A client that pipelines requests but reads no responses: the server must stop reading (and running handlers)
// instead of buffering responses without bound. In-process, so a handler counter shows how far the server got.
import HTTP
import Testing

@Suite struct PipelineBackpressureTests {
    static let responseSize = 256 * 1024
    static let requests = 200

    @Test func pipelinedRequestsAreNotReadWhileResponsesAreUnread() throws {
        let handled = Counter()
        let body = [UInt8](repeating: 0x62, count: PipelineBackpressureTests.responseSize)
        let server = try InProcessServer(routes: { router in
            router.get("/big") { _ in
                handled.add(1)
                return Response(body: .bytes(body))
            }
        })
        let c = try RawClient(port: server.port, timeout: 10)
        // 200 requests of about 4 KiB each (16 to a 64 KiB read), asking for 50 MiB of responses; nothing is read yet.
        let padding = "X-Pad: " + String(repeating: "p", count: 4000)
        try c.send(String(repeating: Req.get("/big", headers: [padding]), count: PipelineBackpressureTests.requests))

        // The server may fill the kernel's send buffer and keep one read's worth of responses, then must stop reading.
        let wmem = StreamingTests.maxLead   // tcp_wmem max plus slack, as for streams
        let bound = wmem / PipelineBackpressureTests.responseSize + 2 * 16 + 8
        var last = -1
        #expect(eventually(timeout: 5) {
            let now = handled.current
            defer { last = now }
            sleepSeconds(0.1)
            return now == last
        })
        #expect(handled.current <= bound, "\(handled.current) responses buffered for a client that reads none")

        // Reading resumes the server: every response arrives, in full.
        for i in 0..<PipelineBackpressureTests.requests {
            let r = try c.readResponse()
            #expect(r.status == 200 && r.body.count == PipelineBackpressureTests.responseSize, "response \(i)")
            if r.status != 200 { break }
        }
        #expect(handled.current == PipelineBackpressureTests.requests)
    }

    @Test func keepAliveAndHeaderTimersDoNotCutAResponseThatIsStillBeingSent() throws {
        let size = 12 << 20
        let body = [UInt8](repeating: 0x63, count: size)
        let server = try InProcessServer(configure: { $0.keepAliveTimeoutMs = 200; $0.headerTimeoutMs = 200 }, routes: { router in
            router.get("/big") { _ in Response(body: .bytes(body)) }
        })
        let c = try RawClient(port: server.port, receiveBuffer: 256 * 1024)
        // The second request is pipelined behind the first, its head split so that its header timer runs too.
        try c.send(Req.get("/big") + "GET /big HTTP/1.1\r\n")
        c.readSize = 64 * 1024
        c.onRead = { _ in sleepSeconds(0.002) }   // about 200 reads: well over the 200 ms timers
        let start = monotonicSeconds()
        let first = try c.readResponse()
        #expect(monotonicSeconds() - start > 0.3)
        #expect(first.status == 200)
        #expect(first.body.count == size)
        #expect(!first.closes)
        c.onRead = nil
        // The connection is still open: the second request can be completed and is answered.
        try c.send("Host: a\r\n\r\n")
        let second = try c.readResponse()
        #expect(second.status == 200 && second.body.count == size)
    }
}
