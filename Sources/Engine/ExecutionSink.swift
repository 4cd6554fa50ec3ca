// What the engine reports as a run progresses, for Services to persist (SPEC §5 "What is written when") and for
// metrics. Called on a run's bookkeeping queue: implementations must not block (queue a group-commit unit).
import Domain
import JSON

/// A node's status (SPEC §5).
public enum NodeStatus: String, Sendable {
    case pending, running, success, error, skipped, cancelled

    public var isTerminal: Bool { self != .pending && self != .running }
}

/// A run's final status.
public enum RunStatus: String, Sendable {
    case success, error, cancelled
}

/// One thing to persist about a run (SPEC §5 "What is written when").
public enum ExecutionWrite: Sendable {
    /// A node started: insert its log row (status running); `seq` orders the run's rows (1, 2, …).
    case stepStarted(execution: ExecutionID, logID: String, seq: Int, nodeID: String, nodeName: String, nodeType: String,
                     input: JSON, at: Int64)
    /// A node ended: update its log row.
    case stepFinished(execution: ExecutionID, logID: String, status: NodeStatus, output: JSON?, error: String?, at: Int64,
                      durationMs: Int64)
    /// The run ended: update the execution row.
    case runFinished(execution: ExecutionID, status: RunStatus, output: JSON?, error: String?, at: Int64, durationMs: Int64)
}

/// Persistence of a run's progress. A run hands over what one turn of its bookkeeping produced as one batch (a
/// trigger, an instant Condition and the run's end are often one batch), in order; implementations must not block
/// (queue a group-commit unit). Values are already redacted by the caller where SPEC §10 asks (a later layer).
public protocol ExecutionSink: Sendable {
    /// A fresh log row id (`log_…`).
    func newLogID() -> String
    func record(_ writes: [ExecutionWrite])
}

/// Counters for metrics (SPEC §14). Any thread.
public protocol EngineObserver: Sendable {
    func runStarted(trigger: String)
    func runFinished(status: RunStatus, durationMs: Int64)
    func stepFinished(action: String, status: NodeStatus, durationMs: Int64)
    func stepRetried(action: String)
}

/// Delays (retry backoff, attempt timeouts); tests substitute one that records and fires at once.
public protocol DelayScheduler: Sendable {
    /// Runs `work` after `milliseconds` unless the returned handle is cancelled first.
    @discardableResult
    func after(milliseconds: Int, _ work: @escaping @Sendable () -> Void) -> TimerHandle
}

/// Cancels a scheduled delay.
public protocol TimerHandle: Sendable {
    func cancel()
}

/// Dispatch timer sources: a cancelled one is removed at once (a step that finishes in a millisecond does not leave
/// its 60 s timeout pending).
public struct DispatchDelayScheduler: DelayScheduler {
    public init() {}

    public func after(milliseconds: Int, _ work: @escaping @Sendable () -> Void) -> TimerHandle {
        let source = DispatchSource.makeTimerSource(queue: DispatchDelayScheduler.queue)
        source.schedule(deadline: .now() + .milliseconds(milliseconds))
        source.setEventHandler {
            source.cancel()
            work()
        }
        source.activate()
        return DispatchTimer(source: source)
    }

    static let queue = DispatchQueue(label: "engine.timers", attributes: .concurrent)
}

struct DispatchTimer: TimerHandle, @unchecked Sendable {   // DispatchSource's methods are thread-safe
    let source: DispatchSourceTimer
    func cancel() { source.cancel() }
}

import Dispatch
