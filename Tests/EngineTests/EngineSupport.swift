// Test support for the engine: fake actions, a sink that records every write, a delay scheduler that records delays,
// and graph builders. No sockets, no SQL.
import Dispatch
import Foundation
import Synchronization
import Testing
import Domain
import JSON
@testable import Engine

/// Every write the engine asked for, in order.
final class RecordingSink: ExecutionSink, Sendable {
    enum Write: Equatable {
        case started(node: String, name: String, type: String, input: JSON)
        case finished(node: String, status: NodeStatus, output: JSON?, error: String?)
        case run(status: RunStatus, output: JSON?, error: String?)
    }
    private let state = Mutex<(writes: [Write], logNode: [String: String])>(([], [:]))
    private let done = DispatchSemaphore(value: 0)

    func newLogID() -> String { "log_\(UUID().uuidString)" }

    func record(_ batch: [ExecutionWrite]) {
        for w in batch {
            switch w {
            case .stepStarted(_, let id, _, let node, let name, let type, let input, _):
                state.withLock {
                    $0.writes.append(.started(node: node, name: name, type: type, input: input))
                    $0.logNode[id] = node
                }
            case .stepFinished(_, let id, let status, let output, let error, _, _):
                state.withLock { $0.writes.append(.finished(node: $0.logNode[id] ?? "?", status: status, output: output, error: error)) }
            case .runFinished(_, let status, let output, let error, _, _):
                state.withLock { $0.writes.append(.run(status: status, output: output, error: error)) }
                done.signal()
            }
        }
    }

    var writes: [Write] { state.withLock { $0.writes } }

    /// Waits for the run's final write.
    func waitForRun(timeout: Double = 10) -> Bool { done.wait(timeout: .now() + timeout) == .success }

    var run: (status: RunStatus, output: JSON?, error: String?)? {
        for w in writes.reversed() { if case .run(let s, let o, let e) = w { return (s, o, e) } }
        return nil
    }

    /// The final status each node's log row got (nodes without a row are absent).
    var finals: [String: NodeStatus] {
        var out: [String: NodeStatus] = [:]
        for w in writes { if case .finished(let n, let s, _, _) = w { out[n] = s } }
        return out
    }

    func error(of node: String) -> String? {
        for w in writes { if case .finished(let n, _, _, let e) = w, n == node { return e } }
        return nil
    }

    /// Node ids in the order their rows were finished.
    var finishOrder: [String] {
        writes.compactMap { if case .finished(let n, _, _, _) = $0 { return n } else { return nil } }
    }
}

/// An action whose behaviour is a closure; counts attempts per node.
final class FakeAction: Action, Sendable {
    let body: @Sendable (StepContext) throws(StepFailure) -> JSON
    let instant: Bool
    private let counts = Mutex<[String: Int]>([:])

    init(instant: Bool = false, _ body: @escaping @Sendable (StepContext) throws(StepFailure) -> JSON) {
        self.body = body
        self.instant = instant
    }

    var isInstant: Bool { instant }

    func run(_ step: StepContext) throws(StepFailure) -> JSON {
        counts.withLock { $0[step.nodeID, default: 0] += 1 }
        return try body(step)
    }

    func attempts(_ node: String) -> Int { counts.withLock { $0[node] ?? 0 } }
}

/// Fires every delay at once (on another thread) and records what was asked; timeouts are not fired unless asked.
final class RecordingDelays: DelayScheduler, Sendable {
    private let asked = Mutex<[Int]>([])
    let fireTimeoutsAfterMs: Int?
    let timeoutThreshold: Int

    /// Delays below `timeoutThreshold` are backoffs (fired at once); others are attempt timeouts (fired after
    /// `fireTimeoutsAfterMs` real ms, or never when nil).
    init(timeoutThreshold: Int = 50_000, fireTimeoutsAfterMs: Int? = nil) {
        self.timeoutThreshold = timeoutThreshold
        self.fireTimeoutsAfterMs = fireTimeoutsAfterMs
    }

    final class Box: TimerHandle, Sendable {
        let cancelled = Atomic<Bool>(false)
        func cancel() { cancelled.store(true, ordering: .relaxed) }
    }

    func after(milliseconds: Int, _ work: @escaping @Sendable () -> Void) -> TimerHandle {
        let box = Box()
        if milliseconds < timeoutThreshold {
            asked.withLock { $0.append(milliseconds) }
            DispatchQueue.global().async { if !box.cancelled.load(ordering: .relaxed) { work() } }
        } else if let fire = fireTimeoutsAfterMs {
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(fire)) {
                if !box.cancelled.load(ordering: .relaxed) { work() }
            }
        }
        return box
    }

    var backoffs: [Int] { asked.withLock { $0 } }
}

enum G {
    static func trigger(_ id: String = "t", type: String = "Manual") -> JSON {
        ["id": .string(id), "data": ["type": "trigger", "label": "", "config": ["triggerType": .string(type)]]]
    }

    static func action(_ id: String, _ actionType: String = "HTTP Request", label: String = "", config: JSON = ["endpoint": "http://x"],
                       enabled: Bool? = nil, retry: JSON? = nil, timeoutMs: Int? = nil) -> JSON {
        var c = config
        c.set("actionType", .string(actionType))
        var data: JSON = ["type": "action", "label": .string(label), "config": c]
        if let enabled { data.set("enabled", .bool(enabled)) }
        if let retry { data.set("retry", retry) }
        if let timeoutMs { data.set("timeoutMs", .int(Int64(timeoutMs))) }
        return ["id": .string(id), "data": data]
    }

    static func edge(_ s: String, _ t: String, handle: String? = nil) -> JSON {
        var e: JSON = ["id": .string("\(s)-\(t)"), "source": .string(s), "target": .string(t)]
        if let handle { e.set("sourceHandle", .string(handle)) }
        return e
    }
}

/// An engine over fake actions registered under catalog ids ("HTTP Request" stands in for a generic action,
/// "Condition" for the branch), with the recording sink.
struct Harness {
    let sink = RecordingSink()
    let engine: Engine

    init(actions: [String: any Action], workers: Int = 8, delays: any DelayScheduler = RecordingDelays(), timeoutMs: Int = 60_000,
         maxUnfinished: Int = 100) {
        let start = Atomic<Int64>(1_000_000)
        engine = Engine(actions: actions, sink: sink, workers: workers, defaultTimeoutMs: timeoutMs, maxUnfinished: maxUnfinished,
                        delays: delays, clock: { start.add(1, ordering: .relaxed).newValue })
    }

    /// Runs the graph to its end; returns false when it did not end within the timeout.
    @discardableResult
    func run(_ nodes: [JSON], _ edges: [JSON], input: JSON = [:], id: String = "exec_1") -> Bool {
        #expect(engine.admit())
        engine.start(RunRequest(executionID: ExecutionID(id), workflowID: WorkflowID("wf_1"), owner: UserID("user_1"),
                                nodes: nodes, edges: edges, trigger: "manual", triggerInput: input,
                                triggerOutput: ["triggered": true, "timestamp": 1], startedAt: 0))
        return sink.waitForRun()
    }
}
