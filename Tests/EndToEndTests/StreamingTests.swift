// Streamed (chunked) responses over real sockets, on an in-process server with test-only stream routes:
// backpressure against a slow reader, exact bytes and framing, and the cancel callback when the peer goes away.
import Dispatch
import Foundation
import HTTP
import Testing

@Suite struct StreamingTests {
    static let chunk = TestRoutes.streamChunkSize
    static let highWater = 64 * 1024
    static let receiveBuffer = 256 * 1024

    /// How far the producer may run ahead of the reader: its high water, a chunk in hand, and what the kernel buffers
    /// (the server's send buffer autotunes up to tcp_wmem's maximum; the client's SO_RCVBUF is doubled by the kernel).
    static let maxLead: Int = {
        let wmem = (try? String(contentsOfFile: "/proc/sys/net/ipv4/tcp_wmem", encoding: .utf8))?
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).last.flatMap { Int($0) } ?? 4 << 20
        return wmem + 2 * receiveBuffer + highWater + 2 * chunk + 256 * 1024
    }()

    /// Several times the lead, so a producer without backpressure could not hide behind kernel buffers.
    static let total = max(5 << 20, 3 * maxLead) / chunk * chunk

    /// GET /stream: `total` pattern bytes in `chunk`-sized writes; `produced` counts bytes accepted by `write`.
    static func streamRoute(produced: Counter, done: Signal) -> (Router) -> Void {
        { router in
            router.get("/stream") { _ in
                Response(headers: [("Content-Type", "application/octet-stream")], body: .stream { writer in
                    var offset = 0
                    while offset < total {
                        guard writer.write(TestRoutes.streamChunk(offset / chunk)) else { return }
                        offset += chunk
                        produced.set(offset)
                    }
                    writer.finish()
                    done.fire()
                })
            }
        }
    }

    @Test func slowReaderHoldsBackTheProducerAndGetsEveryByteInOrder() throws {
        let produced = Counter()
        let done = Signal()
        let server = try InProcessServer(configure: { $0.streamHighWaterBytes = StreamingTests.highWater },
                                         routes: StreamingTests.streamRoute(produced: produced, done: done))
        let c = try RawClient(port: server.port, receiveBuffer: StreamingTests.receiveBuffer)
        try c.send(Req.get("/stream"))

        // Not reading at all: the producer must stall, no further ahead than the lead allows.
        #expect(eventually(timeout: 2) { produced.current > 0 })
        var last = -1
        #expect(eventually(timeout: 5) {
            let now = produced.current   // stalled = no progress over 100 ms
            defer { last = now }
            sleepSeconds(0.1)
            return now == last
        })
        #expect(produced.current <= StreamingTests.maxLead, "producer ran ahead: \(produced.current) bytes with nothing read")
        #expect(!done.hasFired)

        // Now read slowly; the producer never gets further ahead than the lead.
        var worstLead = 0
        c.readSize = 16 * 1024
        c.onRead = { received in
            worstLead = max(worstLead, produced.current - received)
            sleepSeconds(0.0002)
        }
        let r = try c.readResponse()
        c.onRead = nil
        #expect(r.status == 200)
        #expect(r.isChunked)
        #expect(r.header("Content-Length") == nil)
        #expect(r.body.count == StreamingTests.total)
        #expect(TestRoutes.firstWrongChunk(r.body) == nil, "bytes arrive in order")
        #expect(r.chunkSizes.allSatisfy { $0 == StreamingTests.chunk })
        #expect(worstLead <= StreamingTests.maxLead, "producer lead \(worstLead)")
        #expect(done.wait(timeout: 2))

        // Keep-alive after a finished stream.
        try c.send(Req.get("/nope"))
        #expect(try c.readResponse().status == 404)
    }

    @Test func peerCloseDuringAStreamFiresOnCancel() throws {
        let cancelled = Signal()
        let writeFailed = Signal()
        let started = Signal()
        let server = try InProcessServer(configure: { $0.streamHighWaterBytes = 64 * 1024 }, routes: { router in
            router.get("/forever") { _ in
                Response(body: .stream { writer in
                    writer.onCancel { cancelled.fire() }
                    started.fire()
                    let piece = [UInt8](repeating: 0x61, count: 8192)
                    while writer.write(piece) {}
                    writeFailed.fire()
                })
            }
        })
        // The client reads the head and a little body, then closes with unread data: the producer is blocked in write.
        let c = try RawClient(port: server.port, receiveBuffer: 16 * 1024)
        try c.send(Req.get("/forever"))
        let head = try c.readHead()
        #expect(head.status == 200)
        #expect(started.wait(timeout: 2))
        sleepSeconds(0.1)
        let closedAt = monotonicSeconds()
        c.close()
        #expect(cancelled.wait(timeout: 1), "onCancel within 1 s")
        #expect(monotonicSeconds() - closedAt < 1)
        #expect(writeFailed.wait(timeout: 1), "a blocked write returns false once cancelled")

        // The server goes on serving.
        let next = try RawClient(port: server.port)
        try next.send(Req.get("/nope"))
        #expect(try next.readResponse().status == 404)
    }

    enum Departure: CaseIterable { case halfClose, close, reset }

    @Test(arguments: Departure.allCases)
    func peerLeavingBetweenWritesFiresOnCancel(_ departure: Departure) throws {
        let cancelled = Signal()
        let writeFailed = Signal()
        let server = try InProcessServer(routes: { router in
            router.get("/ticks") { _ in
                Response(body: .stream { writer in
                    writer.onCancel { cancelled.fire() }
                    while writer.write("tick\n") { sleepSeconds(0.01) }
                    writeFailed.fire()
                })
            }
        })
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/ticks"))
        #expect(try c.readHead().status == 200)
        sleepSeconds(0.05)
        switch departure {
        case .halfClose: c.shutdownWrite()   // EOF on the server's side: the stream is abandoned (EPOLLRDHUP / read of 0)
        case .close: c.close()
        case .reset: c.reset()
        }
        #expect(cancelled.wait(timeout: 1), "onCancel within 1 s")
        #expect(writeFailed.wait(timeout: 1))
        if departure == .halfClose {
            let (_, end) = try c.readToEnd()
            #expect(end == .eof || end == .reset)
        }
    }

    @Test func onCancelRegisteredAfterThePeerLeftRunsAtOnce() throws {
        let cancelled = Signal()
        let gone = Signal()
        let server = try InProcessServer(routes: { router in
            router.get("/late") { _ in
                Response(body: .stream { writer in
                    while !writer.isCancelled { sleepSeconds(0.01) }
                    gone.fire()
                    writer.onCancel { cancelled.fire() }
                })
            }
        })
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/late"))
        #expect(try c.readHead().status == 200)
        c.close()
        #expect(gone.wait(timeout: 1))
        #expect(cancelled.wait(timeout: 1))
    }

    @Test func http10StreamIsDelimitedByClose() throws {
        let server = try InProcessServer(routes: { router in
            router.get("/short") { _ in
                Response(body: .stream { writer in
                    for i in 0..<5 { _ = writer.write("line \(i)\n") }
                    writer.finish()
                })
            }
        })
        let c = try RawClient(port: server.port)
        try c.send(Req.make("GET", "/short", version: "HTTP/1.0", host: false))
        let r = try c.readResponse()
        #expect(r.status == 200)
        #expect(!r.isChunked)
        #expect(r.closes)
        #expect(r.text == (0..<5).map { "line \($0)\n" }.joined())
    }

    @Test func headOnAStreamRouteSendsNoBody() throws {
        let produced = Counter()
        let server = try InProcessServer(routes: StreamingTests.streamRoute(produced: produced, done: Signal()))
        let c = try RawClient(port: server.port)
        try c.send(Req.head("/stream") + Req.get("/nope"))
        let head = try c.readResponse(head: true)
        #expect(head.status == 200)
        #expect(try c.readResponse().status == 404)
        #expect(produced.current == 0)
    }
}
