// The executor: admits runs up to a limit, starts them, cancels them, reports node statuses, and drains them at
// shutdown. Runs keep their own state on their own queues; the engine holds only the table of unfinished runs.
// Thread-safe.
import Domain
import JSON
import Log
import Synchronization

public final class Engine: Sendable {
    let actions: [String: any Action]
    let sink: any ExecutionSink
    let observer: (any EngineObserver)?
    let delays: any DelayScheduler
    let clock: @Sendable () -> Int64
    let defaultTimeoutMs: Int
    let pool: StepPool
    let logger: Logger?
    /// Runs admitted and not yet finished (SPEC §0: at most `maxUnfinished`).
    public let maxUnfinished: Int
    private let admitted = Atomic<Int>(0)
    private let runs = Mutex<[ExecutionID: Run]>([:])
    private let drained = Mutex<Bool>(false)

    /// `actions` by canonical catalog id; `workers` step slots; `clock` wall-clock ms.
    public init(actions: [String: any Action], sink: any ExecutionSink, observer: (any EngineObserver)? = nil,
                workers: Int, defaultTimeoutMs: Int, maxUnfinished: Int = 10_000,
                delays: any DelayScheduler = DispatchDelayScheduler(), clock: @escaping @Sendable () -> Int64,
                logger: Logger? = nil) {
        self.actions = actions
        self.sink = sink
        self.observer = observer
        self.delays = delays
        self.clock = clock
        self.defaultTimeoutMs = defaultTimeoutMs
        self.maxUnfinished = maxUnfinished
        self.logger = logger
        pool = StepPool(workers: workers)
    }

    /// Runs admitted and not finished (created, running, or about to start).
    public var unfinishedCount: Int { admitted.load(ordering: .relaxed) }

    /// Takes a place for a new run; false past `maxUnfinished` or after shutdown began (then nothing may be created).
    /// Every true must be followed by `start` or `release`.
    public func admit() -> Bool {
        if drained.withLock({ $0 }) { return false }
        if admitted.add(1, ordering: .relaxed).newValue <= maxUnfinished { return true }
        admitted.subtract(1, ordering: .relaxed)
        return false
    }

    /// Gives back a place taken by `admit` for a run that was not created after all.
    public func release() { admitted.subtract(1, ordering: .relaxed) }

    /// Starts an admitted run whose execution row is durable.
    public func start(_ request: RunRequest) {
        let run = Run(request, engine: self)
        runs.withLock { $0[request.executionID] = run }
        observer?.runStarted(trigger: request.trigger)
        logger?.debug("run started", ["execution": .string(request.executionID.raw)])
        run.begin()
    }

    /// Stops a running run: attempts in flight abort, nothing more is written for it, and its unfinished nodes become
    /// `cancelled`. Returns false when the run is not running here. Call before writing the cancellation.
    @discardableResult
    public func cancel(_ id: ExecutionID) -> Bool {
        guard let run = runs.withLock({ $0.removeValue(forKey: id) }) else { return false }
        run.stop()
        admitted.subtract(1, ordering: .relaxed)
        observer?.runFinished(status: .cancelled, durationMs: max(0, clock() - run.request.startedAt))
        return true
    }

    /// The live statuses of a running run's nodes, or nil when it is not running here.
    public func nodeStatuses(_ id: ExecutionID) -> [(String, NodeStatus)]? {
        runs.withLock { $0[id] }?.nodeStatuses()
    }

    /// Graceful shutdown: admits nothing more, waits up to `timeoutMs` for running runs to finish, then stops the rest
    /// and returns their ids (for the caller to mark interrupted).
    public func shutdown(timeoutMs: Int) -> [ExecutionID] {
        drained.withLock { $0 = true }
        let deadline = clock() + Int64(timeoutMs)
        while runs.withLock({ !$0.isEmpty }) && clock() < deadline {
            usleepMilliseconds(10)
        }
        let rest = runs.withLock { r -> [Run] in
            let all = Array(r.values)
            r.removeAll()
            return all
        }
        for run in rest {
            run.stop()
            admitted.subtract(1, ordering: .relaxed)
        }
        return rest.map(\.request.executionID)
    }

    // MARK: - For runs

    func runEnded(_ run: Run, status: RunStatus, durationMs: Int64) {
        guard runs.withLock({ $0.removeValue(forKey: run.request.executionID) }) != nil else { return }
        admitted.subtract(1, ordering: .relaxed)
        observer?.runFinished(status: status, durationMs: durationMs)
        logger?.debug("run finished", ["execution": .string(run.request.executionID.raw), "status": .string(status.rawValue)])
    }

    func debug(_ msg: String, _ execution: ExecutionID, _ node: String) {
        guard let logger, logger.enabled(.debug) else { return }
        logger.debug(msg, ["execution": .string(execution.raw), "node": .string(node)])
    }

    /// What `config.actionType` names (SPEC §3.2): the action, or the failure message the step ends with.
    struct Resolved {
        let id: String?
        let label: String?
        let action: (any Action)?
        let outcome: Result<any Action, StepFailure>
        /// The catalog's integration type for the action, if it has one.
        var integrationType: String? = nil
    }

    func resolveAction(_ config: JSON) -> Resolved {
        func fail(_ m: String, _ id: String? = nil, _ label: String? = nil) -> Resolved {
            Resolved(id: id, label: label, action: nil, outcome: .failure(StepFailure(m)))
        }
        let type: String
        switch config["actionType"] {
        case .string(let s)?: type = s
        default: type = ""
        }
        guard !type.trimmed.isEmpty else { return fail("Action type is not set") }
        guard let entry = ActionCatalog.resolve(type) else { return fail("Unknown action type: \(type)") }
        guard let action = actions[entry.id] else {
            return fail("\(entry.label) is not available in this version", entry.id, entry.label)
        }
        if entry.id != "Condition" {
            for key in entry.requiredKeys where Engine.isMissing(config, key) {
                return Resolved(id: entry.id, label: entry.label, action: action,
                                outcome: .failure(StepFailure("Missing required field: \(key)")))
            }
        }
        return Resolved(id: entry.id, label: entry.label, action: action, outcome: .success(action),
                        integrationType: entry.integrationType)
    }

    /// Absent, null or a blank string (`dbQuery` may be given as `query`).
    static func isMissing(_ config: JSON, _ key: String) -> Bool {
        func blank(_ v: JSON?) -> Bool {
            switch v {
            case nil, .null?: return true
            case .string(let s)?: return s.trimmed.isEmpty
            default: return false
            }
        }
        if key == "dbQuery" { return blank(config["dbQuery"]) && blank(config["query"]) }
        return blank(config[key])
    }
}

#if canImport(Glibc)
import Glibc
func usleepMilliseconds(_ ms: Int) { usleep(UInt32(ms * 1000)) }
#endif
