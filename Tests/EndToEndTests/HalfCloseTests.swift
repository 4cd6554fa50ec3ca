// Review findings on the HTTP layer, pinned: a client that pipelines then half-closes gets every answer, in order,
// and a clean end (no reset), whether the first request is answered later (deferred) or at once.
import Testing

@Suite struct HalfCloseTests {
    static func countResponses(_ bytes: [UInt8]) -> Int {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.components(separatedBy: "HTTP/1.1 200 OK\r\n").count - 1
    }

    @Test func pipelinedRequestsBehindADeferredOneAreAllAnsweredAfterHalfClose() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port, timeout: 10)
        // The anonymous sign-in is answered after a group commit (deferred); the GETs queue behind it.
        var batch = Req.make("POST", "/api/auth/sign-in/anonymous")
        for _ in 0..<100 { batch += Req.get("/health") }
        try c.send(batch)
        c.shutdownWrite()
        let (bytes, end) = try c.readToEnd()
        #expect(Self.countResponses(bytes) == 101)
        #expect(end == .eof)
    }

    @Test func manyPipelinedRequestsThenHalfCloseWithASlowReader() throws {
        let server = try ServerProcess()
        let c = try RawClient(port: server.port, timeout: 20, receiveBuffer: 4096)
        let one = Req.get("/health")
        let count = 5000
        try c.send(String(repeating: one, count: count))
        c.shutdownWrite()
        sleepSeconds(0.5)   // the server fills its output and stops answering until we read
        let (bytes, end) = try c.readToEnd()
        #expect(Self.countResponses(bytes) == count)
        #expect(end == .eof)
    }
}
