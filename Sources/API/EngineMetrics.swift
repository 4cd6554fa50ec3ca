// Execution and step metric families (SPEC §14): counters and histograms fed by the engine from runs' queues.
// One mutex; runs report a few times each, far off any request's hot path.
import Engine
import Synchronization

/// Receives the engine's reports and renders them in Prometheus text format.
public final class EngineMetrics: EngineObserver, Sendable {
    private struct Histogram {
        var buckets = [Int](repeating: 0, count: Metrics.bucketBounds.count)
        var count = 0
        var sumMs: Int64 = 0

        mutating func observe(_ ms: Int64) {
            let seconds = Double(ms) / 1000
            for (i, b) in Metrics.bucketBounds.enumerated() where seconds <= b { buckets[i] += 1 }
            count += 1
            sumMs += ms
        }
    }

    private struct State {
        var started: [String: Int] = [:]
        var finished: [String: Int] = [:]
        var runDurations = Histogram()
        var steps: [String: [String: Int]] = [:]
        var stepDurations: [String: Histogram] = [:]
        var retries: [String: Int] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func runStarted(trigger: String) { state.withLock { $0.started[trigger, default: 0] += 1 } }

    public func runFinished(status: RunStatus, durationMs: Int64) {
        state.withLock {
            $0.finished[status.rawValue, default: 0] += 1
            $0.runDurations.observe(durationMs)
        }
    }

    public func stepFinished(action: String, status: NodeStatus, durationMs: Int64) {
        state.withLock {
            $0.steps[action, default: [:]][status.rawValue, default: 0] += 1
            $0.stepDurations[action, default: Histogram()].observe(durationMs)
        }
    }

    public func stepRetried(action: String) { state.withLock { $0.retries[action, default: 0] += 1 } }

    func render(into out: inout String) {
        let s = state.withLock { $0 }
        out += "# HELP executions_started_total Runs started, by trigger.\n# TYPE executions_started_total counter\n"
        for t in ["manual", "webhook", "schedule"] { out += "executions_started_total{trigger=\"\(t)\"} \(s.started[t] ?? 0)\n" }
        out += "# HELP executions_total Runs finished, by status.\n# TYPE executions_total counter\n"
        for st in ["success", "error", "cancelled"] { out += "executions_total{status=\"\(st)\"} \(s.finished[st] ?? 0)\n" }
        let finished = s.finished.values.reduce(0, +), started = s.started.values.reduce(0, +)
        out += "# HELP executions_running Runs started and not finished.\n# TYPE executions_running gauge\n"
        out += "executions_running \(max(0, started - finished))\n"
        out += "# HELP execution_duration_seconds Run duration.\n# TYPE execution_duration_seconds histogram\n"
        EngineMetrics.render("execution_duration_seconds", "", s.runDurations, into: &out)
        out += "# HELP steps_total Steps finished, by action and status.\n# TYPE steps_total counter\n"
        for action in s.steps.keys.sorted() {
            for (st, n) in s.steps[action]!.sorted(by: { $0.key < $1.key }) {
                out += "steps_total{action=\"\(Metrics.escape(action))\",status=\"\(st)\"} \(n)\n"
            }
        }
        out += "# HELP step_duration_seconds Step duration, all attempts, by action.\n# TYPE step_duration_seconds histogram\n"
        for action in s.stepDurations.keys.sorted() {
            EngineMetrics.render("step_duration_seconds", "action=\"\(Metrics.escape(action))\",", s.stepDurations[action]!, into: &out)
        }
        out += "# HELP step_retries_total Step attempts retried, by action.\n# TYPE step_retries_total counter\n"
        for action in s.retries.keys.sorted() {
            out += "step_retries_total{action=\"\(Metrics.escape(action))\"} \(s.retries[action]!)\n"
        }
    }

    private static func render(_ name: String, _ labels: String, _ h: Histogram, into out: inout String) {
        for (i, b) in Metrics.bucketBounds.enumerated() { out += "\(name)_bucket{\(labels)le=\"\(b)\"} \(h.buckets[i])\n" }
        out += "\(name)_bucket{\(labels)le=\"+Inf\"} \(h.count)\n"
        let bare = labels.isEmpty ? "" : "{\(labels.dropLast())}"
        out += "\(name)_sum\(bare) \(Double(h.sumMs) / 1000)\n"
        out += "\(name)_count\(bare) \(h.count)\n"
    }
}
