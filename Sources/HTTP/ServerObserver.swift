// Hooks for metrics: called on the event-loop thread named by `loop`, so per-loop counters need no locks.

/// Receives connection and request events from the server.
public protocol ServerObserver: Sendable {
    func connectionOpened(loop: Int)
    func connectionClosed(loop: Int)
    /// One response queued: its route pattern (`"unmatched"` when none), status and time since the head arrived.
    func requestFinished(loop: Int, route: String, status: Int, durationNanos: Int64)
}
