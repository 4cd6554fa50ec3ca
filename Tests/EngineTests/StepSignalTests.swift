// The stop signal of one attempt: the first reason wins, handlers run once, late registrations run at once.
import Testing
import Synchronization
@testable import Engine

@Suite struct StepSignalTests {
    @Test func handlersRunOnceWithTheFirstReason() {
        let s = StepSignal()
        let seen = Mutex<[StopReason]>([])
        s.onCancel { r in seen.withLock { $0.append(r) } }
        #expect(!s.isStopped)
        s.stop(.timeout)
        s.stop(.cancelled)
        #expect(seen.withLock { $0 } == [.timeout])
        s.onCancel { r in seen.withLock { $0.append(r) } }
        #expect(seen.withLock { $0 } == [.timeout, .timeout])
        #expect(s.stopReason == .timeout)
    }
}
