// Graceful shutdown (SPEC §5, last paragraph): the listener closes, in-flight requests finish with Connection: close,
// new requests on open connections get 503, idle keep-alive connections close, exit 0; a second signal exits at once.
import HTTP
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// True when a new TCP connection to `port` is refused (the listener is closed).
func connectionRefused(_ port: Int) -> Bool {
    do {
        _ = try RawClient(port: port, timeout: 1)
        return false
    } catch {
        return error == .connectFailed(ECONNREFUSED)
    }
}

/// Holds a deferred request's Responder until the test decides to answer.
final class PendingResponder: Sendable {
    private let responder = Mutex<Responder?>(nil)
    let arrived = Signal()

    func hold(_ r: Responder) {
        responder.withLock { $0 = r }
        arrived.fire()
    }

    func send(_ response: Response) { responder.withLock { $0 }?.send(response) }
}

@Suite struct ShutdownTests {
    @Test func inFlightDeferredRequestFinishesDuringShutdown() throws {
        let pending = PendingResponder()
        let server = try InProcessServer(routes: { router in
            router.get("/slow") { _ in Response(body: .deferred { responder in pending.hold(responder) }) }
        })
        let port = server.port
        let idle = try RawClient(port: port)
        try idle.send(Req.get("/nope"))
        #expect(try idle.readResponse().status == 404)

        let busy = try RawClient(port: port)
        try busy.send(Req.get("/slow"))
        #expect(pending.arrived.wait(timeout: 2))
        let stopped = server.stopInBackground()

        #expect(eventually { connectionRefused(port) }, "new connections are refused")
        #expect(idle.closesQuietly(), "idle keep-alive connections are closed")
        sleepSeconds(0.1)
        #expect(!stopped.hasFired, "shutdown waits for the request in flight")
        pending.send(Response.json(Array(#"{"done":true}"#.utf8)))
        let r = try busy.readResponse()
        #expect(r.status == 200)
        #expect(r.text == #"{"done":true}"#)
        #expect(r.closes)
        #expect(busy.closesQuietly())
        #expect(stopped.wait(timeout: 3))
    }

    @Test func requestsPipelinedBehindAnInFlightOneGet503() throws {
        let pending = PendingResponder()
        let server = try InProcessServer(routes: { router in
            router.get("/slow") { _ in Response(body: .deferred { responder in pending.hold(responder) }) }
        })
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/slow") + Req.get("/slow"))
        #expect(pending.arrived.wait(timeout: 2))
        sleepSeconds(0.1)   // the second request is read and buffered behind the first
        let stopped = server.stopInBackground()
        sleepSeconds(0.1)
        pending.send(Response.json(Array(#"{"done":true}"#.utf8)))
        let first = try c.readResponse()
        #expect(first.status == 200)
        #expect(!first.closes)
        try expectErrorAndClose(c, 503, "Server is shutting down")
        #expect(stopped.wait(timeout: 3))
    }

    @Test func requestOnAnOpenConnectionAfterShutdownBeginsGets503() throws {
        let server = try InProcessServer(configure: { $0.shutdownTimeoutMs = 5_000 }, routes: TestRoutes.echo)
        let port = server.port
        let c = try RawClient(port: port)
        try c.send(Req.make("POST", "/echo", body: "one"))
        #expect(try c.readResponse().text == "one")
        try c.send("POST /echo HTTP/1.1\r\n")   // a second request has begun: the connection is not idle
        let stopped = server.stopInBackground()
        #expect(eventually { connectionRefused(port) })
        try c.send("Host: a\r\nContent-Length: 3\r\n\r\ntwo")
        try expectErrorAndClose(c, 503, "Server is shutting down")
        #expect(stopped.wait(timeout: 3))
    }

    @Test func connectionStillReceivingAResponseClosesOnceItIsSent() throws {
        let size = 12 << 20
        let body = [UInt8](repeating: 0x64, count: size)
        let server = try InProcessServer(configure: { $0.shutdownTimeoutMs = 5_000 }, routes: { router in
            router.get("/big") { _ in Response(body: .bytes(body)) }
        })
        let c = try RawClient(port: server.port, receiveBuffer: 256 * 1024)
        try c.send(Req.get("/big"))
        let head = try c.readHead()
        #expect(head.status == 200)
        // Shut down while most of the body is still to be sent; it was queued before, so it carries no Connection: close.
        let stopped = server.stopInBackground()
        #expect(eventually { connectionRefused(server.port) })
        #expect(head.header("Content-Length") == String(size))
        #expect(!head.closes)
        let received = try c.read(exactly: size)
        #expect(received.count == size)
        let finished = monotonicSeconds()
        // Now idle: closed by the shutdown at once, which then completes (well before its 5 s timeout).
        #expect(c.closesQuietly())
        #expect(stopped.wait(timeout: 3))
        #expect(monotonicSeconds() - finished < 1)
    }

    @Test func sigtermFinishesTheRequestInFlightThenExitsZero() throws {
        let server = try ServerProcess()
        let port = server.port
        let idle = try RawClient(port: port)
        try idle.send(Req.get("/health"))
        #expect(try idle.readResponse().status == 200)
        // In flight: the head is in (its 100 Continue says so), half the body is still to come.
        let busy = try RawClient(port: port)
        try busy.send(Req.make("POST", "/health", headers: ["Content-Length: 10", "Expect: 100-continue"]))
        #expect(try busy.readResponse().status == 100)
        try busy.send("12345")

        server.terminate()
        #expect(server.waitForLog("shutting down"))
        // The line says what the shutdown waits for and how to force it.
        #expect(server.logText.contains("open_connections=2"), "\(server.logText)")
        #expect(server.logText.contains("deferred_requests=0"))
        #expect(server.logText.contains("a second SIGTERM or SIGINT exits at once"))
        #expect(eventually { connectionRefused(port) }, "the listener is closed")
        #expect(idle.closesQuietly(), "idle keep-alive connections are closed")
        #expect(server.waitForExit(timeout: 0.2) == nil, "the process waits for the request in flight")

        try busy.send("67890")
        let r = try busy.readResponse()
        #expect(r.status == 405)
        #expect(r.closes)
        #expect(busy.closesQuietly())
        #expect(server.waitForExit(timeout: 5) == 0)
        #expect(server.logText.contains("msg=stopped"))
    }

    @Test func sigtermThenNewRequestOnAnOpenConnectionGets503() throws {
        let server = try ServerProcess()
        let port = server.port
        let c = try RawClient(port: port)
        try c.send(Req.get("/health"))
        #expect(try c.readResponse().status == 200)
        try c.send("GET /health HTTP/1.1\r\n")
        server.terminate()
        #expect(eventually { connectionRefused(port) })
        try c.send("Host: a\r\n\r\n")
        try expectErrorAndClose(c, 503, "Server is shutting down")
        #expect(server.waitForExit(timeout: 5) == 0)
    }

    @Test func secondSignalExitsAtOnce() throws {
        let server = try ServerProcess()
        let busy = try RawClient(port: server.port)
        try busy.send(Req.make("POST", "/health", headers: ["Content-Length: 10", "Expect: 100-continue"]))
        #expect(try busy.readResponse().status == 100)
        server.terminate()
        #expect(server.waitForLog("shutting down"))
        #expect(server.waitForExit(timeout: 0.2) == nil, "the first signal waits for the request in flight")
        let start = monotonicSeconds()
        server.terminate()
        let code = server.waitForExit(timeout: 2)
        #expect(code == 128 + SIGTERM)
        #expect(monotonicSeconds() - start < 1)
    }

    @Test func shutdownTimeoutClosesRequestsThatDoNotFinish() throws {
        let server = try ServerProcess(environment: ["ORCHESTRATOR_SHUTDOWN_TIMEOUT_S": "0.5"])
        let busy = try RawClient(port: server.port)
        try busy.send(Req.make("POST", "/health", headers: ["Content-Length: 10", "Expect: 100-continue"]))
        #expect(try busy.readResponse().status == 100)
        let start = monotonicSeconds()
        server.terminate()
        let code = server.waitForExit(timeout: 5)
        #expect(code == 0)
        #expect(monotonicSeconds() - start >= 0.45)
        let (rest, _) = try busy.readToEnd()
        #expect(rest.isEmpty)
    }

    @Test func sigintShutsDownLikeSigterm() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/health"))
        #expect(try c.readResponse().status == 200)
        kill(server.pid, SIGINT)
        #expect(c.closesQuietly())
        #expect(server.waitForExit(timeout: 5) == 0)
    }
}
