// A one-shot stop signal for one attempt of a step: fired by the engine on the attempt's timeout or on the run's
// cancellation; an action registers handlers that abort its call in flight. Thread-safe (one mutex).
import Synchronization

/// Why an attempt was told to stop.
public enum StopReason: Sendable, Equatable {
    case timeout
    case cancelled
}

public final class StepSignal: Sendable {
    private struct State {
        var reason: StopReason?
        var handlers: [@Sendable (StopReason) -> Void] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// Why the attempt was stopped, or nil while it may go on.
    public var stopReason: StopReason? { state.withLock { $0.reason } }
    public var isStopped: Bool { stopReason != nil }

    /// Calls `handler` once when the signal fires (at once, on this thread, if it already has).
    public func onCancel(_ handler: @escaping @Sendable (StopReason) -> Void) {
        let fired = state.withLock { s -> StopReason? in
            if let r = s.reason { return r }
            s.handlers.append(handler)
            return nil
        }
        if let fired { handler(fired) }
    }

    /// Fires the signal (the first reason wins); runs the handlers on this thread.
    public func stop(_ reason: StopReason) {
        let handlers = state.withLock { s -> [@Sendable (StopReason) -> Void] in
            guard s.reason == nil else { return [] }
            s.reason = reason
            let h = s.handlers
            s.handlers = []
            return h
        }
        for h in handlers { h(reason) }
    }
}
