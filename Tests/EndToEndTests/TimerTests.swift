// The three timers of SPEC §0 on the real binary, configured short: header (408 or quiet close), keep-alive idle
// (quiet close) and body gap (408). Each check bounds the elapsed time from below (the timer did not fire early).
import Testing

@Suite struct TimerTests {
    @Test func headerTimeoutAfterSomeBytesSends408() throws {
        let server = try ServerProcess(environment: ["ORCHESTRATOR_HEADER_TIMEOUT_S": "0.4"])
        let c = try RawClient(port: server.port)
        let start = monotonicSeconds()
        try c.send("GET /health HTTP/1.1\r\nHost: a\r\n")
        try expectErrorAndClose(c, 408, "Request timeout")
        #expect(monotonicSeconds() - start >= 0.35)
    }

    @Test func headerTimeoutRunsFromAcceptNotFromTheLastByte() throws {
        let server = try ServerProcess(environment: ["ORCHESTRATOR_HEADER_TIMEOUT_S": "0.6"])
        let c = try RawClient(port: server.port)
        let start = monotonicSeconds()
        // Keep sending a byte every 50 ms: activity does not extend the header deadline (slowloris).
        try c.send("GET /health HTTP/1.1\r\nX-Slow: ")
        while !c.hasData(wait: 0.05) && monotonicSeconds() - start < 2 {
            try c.send("z")
        }
        let elapsed = monotonicSeconds() - start
        let r = try c.readResponse()
        #expect(r.status == 408)
        #expect(elapsed >= 0.55 && elapsed < 1.5, "408 after \(elapsed) s")
    }

    @Test func headerTimeoutWithoutAnyByteClosesQuietly() throws {
        let server = try ServerProcess(environment: ["ORCHESTRATOR_HEADER_TIMEOUT_S": "0.4"])
        let c = try RawClient(port: server.port)
        let start = monotonicSeconds()
        #expect(c.closesQuietly())
        #expect(monotonicSeconds() - start >= 0.35)
    }

    @Test func idleKeepAliveConnectionClosesQuietly() throws {
        let server = try ServerProcess(environment: ["ORCHESTRATOR_KEEPALIVE_TIMEOUT_S": "0.4",
                                                     "ORCHESTRATOR_HEADER_TIMEOUT_S": "5"])
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/health"))
        #expect(try c.readResponse().status == 200)
        let start = monotonicSeconds()
        #expect(c.closesQuietly())
        #expect(monotonicSeconds() - start >= 0.35)
    }

    @Test func nextRequestsFirstByteSwitchesFromIdleToHeaderTimer() throws {
        let server = try ServerProcess(environment: ["ORCHESTRATOR_KEEPALIVE_TIMEOUT_S": "5",
                                                     "ORCHESTRATOR_HEADER_TIMEOUT_S": "0.4"])
        let c = try RawClient(port: server.port)
        try c.send(Req.get("/health"))
        #expect(try c.readResponse().status == 200)
        // Idle well past the header timeout: the idle timer (5 s) governs, so the connection survives.
        sleepSeconds(0.6)
        try c.send("GET /health HTTP/1.1\r\n")
        let start = monotonicSeconds()
        try expectErrorAndClose(c, 408, "Request timeout")
        #expect(monotonicSeconds() - start >= 0.35)
    }

    @Test func bodyGapTimeoutSends408() throws {
        let server = try ServerProcess(environment: ["ORCHESTRATOR_BODY_TIMEOUT_S": "0.4"])
        let c = try RawClient(port: server.port)
        try c.send(Req.make("POST", "/health", headers: ["Content-Length: 10"]) + "abc")
        let start = monotonicSeconds()
        try expectErrorAndClose(c, 408, "Request timeout")
        #expect(monotonicSeconds() - start >= 0.35)
    }

    @Test func chunkedBodyGapTimeoutSends408() throws {
        let server = try ServerProcess(environment: ["ORCHESTRATOR_BODY_TIMEOUT_S": "0.5"])
        let c = try RawClient(port: server.port)
        try c.send(Req.make("POST", "/health", headers: ["Transfer-Encoding: chunked"]) + "5\r\nab")
        sleepSeconds(0.15)
        try c.send("c")   // resets the gap timer
        let start = monotonicSeconds()
        try expectErrorAndClose(c, 408, "Request timeout")
        #expect(monotonicSeconds() - start >= 0.45)
    }
}
