// Prometheus metrics (SPEC §14). Request counters are per event loop and written only by that loop with relaxed
// atomics (no locks on the hot path); a scrape sums the loops. Other families are process-wide atomics.
import HTTP
import HTTPCore
import System
import Log
import Synchronization

/// A fixed block of relaxed atomic counters.
final class CounterBlock: @unchecked Sendable {   // the pointer is fixed; every access is an atomic
    private let base: UnsafeMutablePointer<Atomic<Int>>
    let count: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        for i in 0..<count { (base + i).initialize(to: Atomic(0)) }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always) func add(_ i: Int, _ n: Int = 1) { _ = base[i].add(n, ordering: .relaxed) }
    @inline(__always) func load(_ i: Int) -> Int { base[i].load(ordering: .relaxed) }
}

/// The route table the counters are laid out by: filled once by `Metrics.register(routes:)` after the routes are
/// registered and before the server starts (the loop threads start after it, which orders the writes before any read).
final class RouteCounters: @unchecked Sendable {   // written once before the server starts, then only read
    var routes: [String] = ["unmatched"]          // index = counter row; the last slot is "unmatched"
    var routeIndex: [String: Int] = [:]
    var requests: [CounterBlock] = []             // per loop: route × status
    var durations: [CounterBlock] = []            // per loop: route × (buckets + 1 (+Inf) + 1 (sum in µs))
}

/// The process's metrics registry.
public final class Metrics: ServerObserver, Sendable {
    static let bucketBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let bucketNanos: [Int64] = bucketBounds.map { Int64($0 * 1e9) }
    static let statusSlots = 500   // 100...599

    private let table = RouteCounters()
    private let loops: Int
    let connectionsOpen = Atomic<Int>(0)
    let startTime: Double
    /// The execution and step families, when an engine runs.
    public let engine: EngineMetrics?

    public init(loops: Int, engine: EngineMetrics? = nil) {
        self.loops = loops
        self.engine = engine
        startTime = Double(ISO8601.nowMilliseconds()) / 1000
        register(routes: [])
    }

    /// Lays out the counters for `routePatterns` (the router's, in registration order). Call once the routes are
    /// registered, before the server starts.
    public func register(routes routePatterns: [String]) {
        let t = table
        t.routes = routePatterns + ["unmatched"]
        t.routeIndex = [:]
        for (i, r) in t.routes.enumerated() { t.routeIndex[r] = i }
        t.requests = (0..<loops).map { _ in CounterBlock(count: (routePatterns.count + 1) * Metrics.statusSlots) }
        t.durations = (0..<loops).map { _ in CounterBlock(count: (routePatterns.count + 1) * (Metrics.bucketBounds.count + 2)) }
    }

    // MARK: - ServerObserver (event-loop threads)

    public func connectionOpened(loop: Int) { _ = connectionsOpen.add(1, ordering: .relaxed) }
    public func connectionClosed(loop: Int) { _ = connectionsOpen.subtract(1, ordering: .relaxed) }

    public func requestFinished(loop: Int, route: String, status: Int, durationNanos: Int64) {
        let t = table
        let r = t.routeIndex[route] ?? t.routes.count - 1
        let s = min(max(status, 100), 599) - 100
        t.requests[loop].add(r * Metrics.statusSlots + s)
        let stride = Metrics.bucketBounds.count + 2
        let d = t.durations[loop]
        var b = 0
        while b < Metrics.bucketNanos.count && durationNanos > Metrics.bucketNanos[b] { b += 1 }
        d.add(r * stride + b)                                        // non-cumulative; summed when rendered
        d.add(r * stride + stride - 1, Int(durationNanos / 1000))    // sum in microseconds
    }

    // MARK: - Exposition

    /// Prometheus text format 0.0.4.
    public func render() -> String {
        let t = table
        let routes = t.routes, requests = t.requests, durations = t.durations
        var out = ""
        out.reserveCapacity(4096)
        out += "# HELP http_requests_total HTTP requests answered, by route and status.\n# TYPE http_requests_total counter\n"
        for (r, route) in routes.enumerated() {
            for s in 0..<Metrics.statusSlots {
                var n = 0
                for block in requests { n += block.load(r * Metrics.statusSlots + s) }
                if n > 0 { out += "http_requests_total{route=\"\(Metrics.escape(route))\",status=\"\(s + 100)\"} \(n)\n" }
            }
        }
        out += "# HELP http_request_duration_seconds Time from request head to response queued.\n# TYPE http_request_duration_seconds histogram\n"
        let stride = Metrics.bucketBounds.count + 2
        for (r, route) in routes.enumerated() {
            var counts = [Int](repeating: 0, count: stride)
            for block in durations { for k in 0..<stride { counts[k] += block.load(r * stride + k) } }
            let total = counts[0..<(stride - 1)].reduce(0, +)
            if total == 0 { continue }
            let label = Metrics.escape(route)
            var cumulative = 0
            for (k, bound) in Metrics.bucketBounds.enumerated() {
                cumulative += counts[k]
                out += "http_request_duration_seconds_bucket{route=\"\(label)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "http_request_duration_seconds_bucket{route=\"\(label)\",le=\"+Inf\"} \(total)\n"
            out += "http_request_duration_seconds_sum{route=\"\(label)\"} \(Double(counts[stride - 1]) / 1e6)\n"
            out += "http_request_duration_seconds_count{route=\"\(label)\"} \(total)\n"
        }
        // The webhook families (SPEC §14), from the webhook route's counters: 200 accepted, anything else rejected.
        if let r = t.routeIndex["POST /api/workflows/{workflowId}/webhook"] {
            var accepted = 0
            var rejected: [(Int, Int)] = []
            for s in 0..<Metrics.statusSlots {
                var n = 0
                for block in requests { n += block.load(r * Metrics.statusSlots + s) }
                if n == 0 { continue }
                if s + 100 == 200 { accepted = n } else { rejected.append((s + 100, n)) }
            }
            out += "# HELP webhook_accepted_total Webhook calls that started (or replayed) an execution.\n# TYPE webhook_accepted_total counter\n"
            out += "webhook_accepted_total \(accepted)\n"
            out += "# HELP webhook_rejected_total Webhook calls refused, by status.\n# TYPE webhook_rejected_total counter\n"
            for (status, n) in rejected { out += "webhook_rejected_total{status=\"\(status)\"} \(n)\n" }
        }
        out += "# HELP http_connections_open Open client connections.\n# TYPE http_connections_open gauge\n"
        out += "http_connections_open \(connectionsOpen.load(ordering: .relaxed))\n"
        out += "# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n# TYPE process_start_time_seconds gauge\n"
        out += "process_start_time_seconds \(startTime)\n"
        engine?.render(into: &out)
        return out
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}
