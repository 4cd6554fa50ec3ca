// The shared step slots (SPEC §5 Parallelism): `ORCHESTRATOR_WORKERS` serial dispatch queues. Private serial queues
// are overcommit, so each gets a thread of its own and a step blocked on a socket never starves the others (the global
// concurrent queue is about one thread per core on Linux). Work waits FIFO for a free slot. Thread-safe (one mutex).
import Dispatch
import Synchronization

final class StepPool: Sendable {
    private struct State {
        var free: [Int]
        var waiting: [@Sendable () -> Void] = []
        var head = 0
    }

    private let slots: [DispatchQueue]
    private let state: Mutex<State>

    init(workers: Int) {
        let n = max(1, workers)
        slots = (0..<n).map { DispatchQueue(label: "engine.step.\($0)") }
        state = Mutex(State(free: Array((0..<n).reversed())))
    }

    /// Runs `work` on a free slot, or queues it until one frees.
    func submit(_ work: @escaping @Sendable () -> Void) {
        let slot = state.withLock { s -> Int? in
            if let i = s.free.popLast() { return i }
            s.waiting.append(work)
            return nil
        }
        if let slot { run(work, on: slot) }
    }

    private func run(_ work: @escaping @Sendable () -> Void, on slot: Int) {
        slots[slot].async { [self] in
            work()
            // The slot takes the next waiting step, or goes back to the free list.
            let next = state.withLock { s -> (@Sendable () -> Void)? in
                guard s.head < s.waiting.count else {
                    s.free.append(slot)
                    return nil
                }
                let w = s.waiting[s.head]
                s.head += 1
                if s.head > 1024 && s.head * 2 > s.waiting.count {
                    s.waiting.removeFirst(s.head)
                    s.head = 0
                }
                return w
            }
            if let next { run(next, on: slot) }
        }
    }

    /// Steps waiting for a slot.
    var waitingCount: Int { state.withLock { $0.waiting.count - $0.head } }
}
