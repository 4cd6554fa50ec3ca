// Stopping an HTTP Request step mid-call: the step signal (cancel or timeout) closes the socket at once, as a server
// that never answers observes it, and run returns promptly; the client's own deadline gives the timeout message too.
import Dispatch
import Engine
import Foundation
import JSON
import Synchronization
import Testing
@testable import Actions

@Suite struct HTTPRequestCancellationTests {
    let action = HTTPRequestAction(client: Shared.client)

    @Test(arguments: [StopReason.cancelled, .timeout])
    func stopClosesTheConnectionWithin100ms(_ reason: StopReason) throws {
        let server = try TestServer { _ in .hang }
        defer { server.stop() }
        let signal = StepSignal()
        let attempt = step(["endpoint": .string(server.url("/hang")), "httpMethod": "POST", "httpBody": "x"],
                           timeoutMs: 10_000, signal: signal)
        let outcome = Mutex<(StepFailure?, Double)?>(nil)
        let done = DispatchSemaphore(value: 0)
        let action = action
        // A thread of its own, as a step slot: the test thread is the one that stops it.
        Thread.detachNewThread {
            let failure = failureOf(action, attempt)
            outcome.withLock { $0 = (failure, monotonicSeconds()) }
            done.signal()
        }
        #expect(server.wait { !$0.requests.isEmpty })
        usleep(20_000)   // let the client block in its read
        let stoppedAt = monotonicSeconds()
        signal.stop(reason)
        #expect(done.wait(timeout: .now() + 5) == .success)
        let (failure, returnedAt) = try #require(outcome.withLock { $0 })
        #expect(returnedAt - stoppedAt < 0.1, "returned after \(returnedAt - stoppedAt) s")
        #expect(server.wait(seconds: 2) { !$0.closedAt.isEmpty })
        let closedAt = try #require(server.closedAt.first)
        #expect(closedAt - stoppedAt < 0.1, "server saw the close after \(closedAt - stoppedAt) s")
        let thrown = try #require(failure)
        if reason == .timeout {
            #expect(thrown == StepFailure("Step timed out after 10000 ms", retryable: true))
        }
    }

    @Test func clientDeadlineIsTheStepTimeout() throws {
        let server = try TestServer { _ in .hang }
        defer { server.stop() }
        let start = monotonicSeconds()
        let failure = failureOf(action, step(["endpoint": .string(server.url("/hang"))], timeoutMs: 200))
        let elapsed = monotonicSeconds() - start
        #expect(failure == StepFailure("Step timed out after 200 ms", retryable: true))
        #expect(elapsed >= 0.19 && elapsed < 1, "took \(elapsed) s")
        #expect(server.wait(seconds: 2) { !$0.closedAt.isEmpty })
    }

    @Test func alreadyStoppedStepSendsNothing() throws {
        let server = try TestServer { _ in .text(200, "ok") }
        defer { server.stop() }
        let signal = StepSignal()
        signal.stop(.timeout)
        let failure = failureOf(action, step(["endpoint": .string(server.url("/"))], timeoutMs: 5000, signal: signal))
        #expect(failure == StepFailure("Step timed out after 5000 ms", retryable: true))
        usleep(50_000)
        #expect(server.requests.isEmpty)
    }
}
