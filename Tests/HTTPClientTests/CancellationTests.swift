// Cancel tokens and deadlines against servers that never finish: a cancel ends the call and closes its socket within
// 100 ms (as the fixture server observes it), and a body that stalls times out on schedule.
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import HTTPClient

@Suite struct CancellationTests {
    let fixture: Fixture

    init() throws {
        fixture = try Fixture.get()
    }

    /// Waits (up to 5 s) until the fixture has seen a request tagged `key`.
    func waitForRequest(_ key: String) throws {
        let end = monotonicSeconds() + 5
        while try fixture.connections(for: key) == 0 {
            guard monotonicSeconds() < end else { throw FixtureError(description: "request never arrived") }
            usleep(5000)
        }
    }

    @Test(arguments: ["http", "https"])
    func cancelClosesTheConnectionWithin100ms(_ listener: String) throws {
        let client = try Fixture.sharedClient.get()
        let key = uniqueKey()
        let token = CancelToken()
        let outcome = Mutex<(ClientError?, Double)?>(nil)
        let done = DispatchSemaphore(value: 0)
        let url = fixture.url(listener, "/hang?k=\(key)", host: listener == "https" ? "localhost" : nil)
        // A thread of its own: Dispatch's global pool may have no free thread while tests block theirs.
        Thread.detachNewThread {
            var caught: ClientError?
            do {
                _ = try client.send(ClientRequest(url: url, timeoutMs: 10_000), cancel: token)
            } catch {
                caught = error as? ClientError
            }
            outcome.withLock { $0 = (caught, monotonicSeconds()) }
            done.signal()
        }
        try waitForRequest(key)
        usleep(20_000)   // let the client block in its read
        let cancelledAt = monotonicSeconds()
        token.cancel()
        #expect(done.wait(timeout: .now() + 5) == .success)
        let (error, returnedAt) = try #require(outcome.withLock { $0 })
        #expect(error == .cancelled)
        #expect(returnedAt - cancelledAt < 0.1, "returned after \(returnedAt - cancelledAt) s")
        let seen = try fixture.query("/disconnected?k=\(key)&wait=2000")["at"] as? Double
        let disconnectedAt = try #require(seen, "the server never saw the disconnect")
        #expect(disconnectedAt - cancelledAt < 0.1, "server saw the close after \(disconnectedAt - cancelledAt) s")
    }

    @Test func cancelledTokenFailsAtOnce() {
        let token = CancelToken()
        token.cancel()
        token.cancel()
        #expect(token.isCancelled)
        #expect(throws: ClientError.cancelled) {
            try Fixture.sharedClient.get().send(ClientRequest(url: fixture.url("http", "/json"), timeoutMs: 5000), cancel: token)
        }
    }

    @Test func cancelDuringHandshakeStall() {
        let token = CancelToken()
        Thread.detachNewThread {
            usleep(100_000)
            token.cancel()
        }
        let start = monotonicSeconds()
        #expect(throws: ClientError.cancelled) {
            try Fixture.sharedClient.get().send(ClientRequest(url: fixture.url("stall", "/").replacingOccurrences(of: "http:", with: "https:"),
                                                    timeoutMs: 5000), cancel: token)
        }
        #expect(monotonicSeconds() - start < 1)
    }

    @Test func stallMidBodyTimesOutWithinTheDeadline() {
        let start = monotonicSeconds()
        #expect(throws: ClientError.timeout(300)) {
            try Fixture.sharedClient.get().send(ClientRequest(url: fixture.url("http", "/stall-body"), timeoutMs: 300))
        }
        let elapsed = monotonicSeconds() - start
        #expect(elapsed >= 0.29 && elapsed < 0.6, "took \(elapsed) s")
    }

    @Test func deadlineCoversAStreamingBody() {
        #expect(throws: ClientError.timeout(300)) {
            try Fixture.sharedClient.get().stream(ClientRequest(url: fixture.url("http", "/sse?delay=1000"), timeoutMs: 300),
                                        onResponse: { _, _ in }, onChunk: { _ in true })
        }
    }
}
