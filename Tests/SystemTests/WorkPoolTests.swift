// WorkPool: a burst of blocking jobs gets a thread each (up to the pool size) instead of queueing behind one another.
import Dispatch
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import System

@Suite struct WorkPoolTests {
    /// Jobs that each wait, inside, until `target` of them are inside at once (or a generous timeout passes).
    final class Gate: @unchecked Sendable {   // guarded by `lock`
        let lock = ConditionLock()
        let target: Int
        var inside = 0
        var mostInside = 0
        init(target: Int) { self.target = target }

        func enterAndWait(timeoutNs: Int64 = 10_000_000_000) {
            let end = MonotonicClock.nanoseconds() + timeoutNs
            lock.lock()
            inside += 1
            mostInside = max(mostInside, inside)
            lock.broadcast()
            while inside < target && mostInside < target && MonotonicClock.nanoseconds() < end {
                lock.unlock()
                usleep(1000)
                lock.lock()
            }
            inside -= 1
            lock.unlock()
        }
    }

    @Test func aBurstRunsInParallelNotOneByOne() {
        let pool = WorkPool(maxThreads: 8)
        let warm = DispatchSemaphore(value: 0)
        pool.async { warm.signal() }
        warm.wait()
        usleep(20_000)   // the first thread is now parked: the burst must not all go to it
        let gate = Gate(target: 4)
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<4 { pool.async { gate.enterAndWait(); done.signal() } }
        for _ in 0..<4 { done.wait() }
        // One at a time, each job would give up waiting after the timeout with only itself inside.
        #expect(gate.mostInside == 4)
    }

    @Test func noMoreThanMaxThreadsRunAtOnce() {
        let pool = WorkPool(maxThreads: 2)
        let gate = Gate(target: 3)
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<3 { pool.async { gate.enterAndWait(timeoutNs: 300_000_000); done.signal() } }
        for _ in 0..<3 { done.wait() }
        #expect(gate.mostInside == 2)
    }
}
