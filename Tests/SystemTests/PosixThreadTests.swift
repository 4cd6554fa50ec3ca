// PosixThread: a joinable thread has run its closure when join() returns; a detached one runs on its own.
import Dispatch
import Synchronization
import Testing
@testable import System

@Suite struct PosixThreadTests {
    @Test func joinReturnsAfterTheClosureRan() {
        let ran = Atomic<Int>(0)
        let thread = PosixThread.start(name: "test.joinable") { ran.store(1, ordering: .releasing) }
        thread.join()
        #expect(ran.load(ordering: .acquiring) == 1)
    }

    @Test func aDetachedThreadRuns() {
        let done = DispatchSemaphore(value: 0)
        PosixThread.start(name: "a-name-longer-than-fifteen-bytes", detached: true) { done.signal() }
        #expect(done.wait(timeout: .now() + 10) == .success)
    }
}
