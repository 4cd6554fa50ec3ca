// One execution of one workflow snapshot (SPEC §5): readiness, active edges, Condition handles, disabled pass-through,
// failure isolation, retries with backoff and jitter, per-attempt timeouts, the output cap, and the final status,
// output and error. Mutable state is touched only on `queue` (one per run, never a lock across runs); attempts run on
// the engine's step slots and report back here.
import Dispatch
import Domain
import Expressions
import JSON

final class Run: @unchecked Sendable {   // every var below is touched only on `queue`
    static let maxOutputBytes = 8 * 1024 * 1024
    static let target = DispatchQueue.global()

    private struct Attempt {
        let number: Int
        let signal: StepSignal
        var timer: TimerHandle?
        var settled = false
    }

    let request: RunRequest
    private let engine: Engine   // strong: a late attempt or timer may outlive the engine's own owner (tests)
    private let queue: DispatchQueue
    private var graph: RunGraph
    private var status: [NodeStatus]
    private var waitingParents: [Int]
    private var conditionResult: [Bool?]
    private var passThrough: [Bool]
    private var logIDs: [String?]
    /// Raw (unredacted) outputs of the nodes that succeeded, for templates.
    private var outputs: [JSON?]
    /// Each started node's rendered config and what it sees of the others (made once, when it starts).
    private var rendered: [(config: JSON, logConfig: JSON, outputs: @Sendable (String) -> Visibility)?]
    /// The decrypted config of each started node's integration (SPEC §3.2), when its action has one.
    private var integration: [JSON?]
    /// An instant step's row, written once it has run (its log input may come from the action).
    private var deferredRow: [(name: String, input: JSON)?]
    /// Every persisted input, output and error goes through it first (SPEC §10).
    private let redactor: Redactor
    private var startedAt: [Int64]
    private var actionID: [String]
    private var attempts: [Attempt?]
    private var remaining: Int
    /// The logged output of the last node to succeed: (completion time, node index, output).
    private var lastSuccess: (at: Int64, index: Int, output: JSON)?
    private var firstError: String?
    /// Cancelled or shut down: nothing more is written, late results are discarded.
    private var stopped = false
    /// Writes of the current turn of bookkeeping, handed to the sink as one batch when the turn ends.
    private var outbox: [ExecutionWrite] = []
    private var turnDepth = 0
    /// The last log row's `seq`.
    private var seq = 0
    private var finished = false

    init(_ request: RunRequest, engine: Engine) {
        self.request = request
        self.engine = engine
        // Bookkeeping never blocks, so runs share the width-limited global queue: a private queue of its own per run
        // would be overcommit and, thousands of runs a second, would create and destroy threads.
        queue = DispatchQueue(label: "engine.run", target: Run.target)
        graph = RunGraph(nodes: request.nodes, edges: request.edges, defaultTimeoutMs: engine.defaultTimeoutMs)
        let n = graph.nodes.count
        status = Array(repeating: .pending, count: n)
        waitingParents = graph.incoming.map(\.count)
        conditionResult = Array(repeating: nil, count: n)
        passThrough = Array(repeating: false, count: n)
        logIDs = Array(repeating: nil, count: n)
        outputs = Array(repeating: nil, count: n)
        deferredRow = Array(repeating: nil, count: n)
        rendered = Array(repeating: nil, count: n)
        integration = Array(repeating: nil, count: n)
        redactor = Redactor(secrets: request.secrets)
        startedAt = Array(repeating: 0, count: n)
        actionID = Array(repeating: "", count: n)
        attempts = Array(repeating: nil, count: n)
        remaining = n
    }

    // MARK: - Control (any thread)

    func begin() {
        queue.async { [self] in turn { start() } }
    }

    /// One turn of bookkeeping on `queue`: its writes go to the sink together when the outermost turn ends.
    private func turn(_ body: () -> Void) {
        turnDepth += 1
        body()
        turnDepth -= 1
        if turnDepth == 0 { flush() }
    }

    private func flush() {
        guard !outbox.isEmpty else { return }
        let writes = outbox
        outbox = []
        if !stopped { engine.sink.record(writes) }
    }

    private func stepStarted(nodeID: String, nodeName: String, nodeType: String, input: JSON, at: Int64) -> String {
        let id = engine.sink.newLogID()
        seq += 1
        outbox.append(.stepStarted(execution: request.executionID, logID: id, seq: seq, nodeID: nodeID, nodeName: nodeName,
                                   nodeType: nodeType, input: redactor.redact(input), at: at))
        return id
    }

    private func stepFinished(_ logID: String, _ status: NodeStatus, output: JSON?, error: String?, at: Int64, durationMs: Int64) {
        outbox.append(.stepFinished(execution: request.executionID, logID: logID, status: status,
                                    output: output.map(redactor.redact), error: error.map(redactor.redact),
                                    at: at, durationMs: durationMs))
    }

    /// Stops the run: attempts in flight are told to abort, nothing more is written, unfinished nodes end `cancelled`.
    /// Synchronous, so a caller that then writes the cancellation knows no write of ours can come after it.
    func stop() {
        queue.sync {
            guard !stopped && !finished else { return }
            stopped = true
            for i in status.indices where !status[i].isTerminal {
                attempts[i]?.timer?.cancel()
                attempts[i]?.signal.stop(.cancelled)
                status[i] = .cancelled
            }
        }
    }

    /// `nodeID → status` for every trigger and action node of the snapshot, in nodes order.
    func nodeStatuses() -> [(String, NodeStatus)] {
        queue.sync { graph.nodes.indices.map { (graph.nodes[$0].id, status[$0]) } }
    }

    // MARK: - Progress (queue)

    private func start() {
        guard let entry = graph.entry else {
            finish()
            return
        }
        var settled: [Int] = []
        for i in graph.nodes.indices where i != entry && graph.incoming[i].isEmpty {
            settled.append(i)   // other triggers and unreachable nodes: never ready, so skipped
        }
        let now = engine.clock()
        let trigger = graph.nodes[entry]
        status[entry] = .running
        let name = trigger.label.trimmed.isEmpty ? (trigger.config["triggerType"]?.string ?? "Manual") : trigger.label
        let logID = stepStarted(nodeID: trigger.id, nodeName: name, nodeType: "trigger", input: request.triggerInput, at: now)
        stepFinished(logID, .success, output: request.triggerOutput, error: nil, at: now, durationMs: 0)
        lastSuccess = (now, entry, request.triggerOutput)
        outputs[entry] = request.triggerOutput
        var ready: [Int] = []
        for i in settled { settle(i, .skipped, ready: &ready) }
        settle(entry, .success, ready: &ready)
        resolve(ready)
    }

    /// Records a terminal status and collects children whose parents are now all terminal.
    private func settle(_ i: Int, _ s: NodeStatus, ready: inout [Int]) {
        status[i] = s
        remaining -= 1
        for e in graph.outgoing[i] {
            let child = graph.edges[e].target
            waitingParents[child] -= 1
            if waitingParents[child] == 0 && status[child] == .pending { ready.append(child) }
        }
    }

    /// Runs, skips or passes through every ready node (iteratively: long chains of skips never recurse).
    private func resolve(_ initial: [Int]) {
        var ready = initial
        while let i = ready.popLast() {
            guard !stopped else { return }
            if !graph.incoming[i].contains(where: isActive) {
                settle(i, .skipped, ready: &ready)
            } else if graph.nodes[i].disabled {
                passThrough[i] = true   // reached but disabled: no log row, every outgoing edge active
                settle(i, .skipped, ready: &ready)
            } else {
                startNode(i)
            }
        }
        if remaining == 0 { finish() }
    }

    private func isActive(_ e: Int) -> Bool {
        let edge = graph.edges[e]
        if passThrough[edge.source] { return true }
        guard status[edge.source] == .success else { return false }
        if let c = conditionResult[edge.source] { return edge.onFalse ? !c : c }
        return true
    }

    private func startNode(_ i: Int) {
        let node = graph.nodes[i]
        status[i] = .running
        startedAt[i] = engine.clock()
        let resolved = engine.resolveAction(node.config)
        actionID[i] = resolved.id ?? "unknown"
        let name = node.label.trimmed.isEmpty ? (resolved.label ?? "Action") : node.label
        let config = renderedConfig(i).logConfig
        let input = resolved.action?.logInput(config: config) ?? StepContext.defaultLogInput(config)
        engine.debug("step started", request.executionID, node.id)
        var outcome = resolved.outcome
        if case .success = outcome, let type = resolved.integrationType {
            switch checkIntegration(node.config, type: type) {
            case .success(let config): integration[i] = config
            case .failure(let failure): outcome = .failure(failure)
            }
        }
        switch outcome {
        case .failure(let failure):
            logIDs[i] = stepStarted(nodeID: node.id, nodeName: name, nodeType: "action", input: input, at: startedAt[i])
            end(i, .failure(failure), attempt: 1)
        case .success(let action):
            if action.isInstant {
                deferredRow[i] = (name, input)
            } else {
                logIDs[i] = stepStarted(nodeID: node.id, nodeName: name, nodeType: "action", input: input, at: startedAt[i])
            }
            attempt(i, number: 1, action: action)
        }
    }

    /// The step's integration (SPEC §3.2): named by `integrationId`, one of the owner's, of `type`, and decryptable.
    private func checkIntegration(_ config: JSON, type: String) -> Result<JSON, StepFailure> {
        guard case .string(let id)? = config["integrationId"], !id.isEmpty, let found = request.integrations[id] else {
            return .failure(StepFailure("No \(type) integration configured for this step"))
        }
        guard found.type == type else { return .failure(StepFailure("Integration type mismatch: expected \(type)")) }
        guard let decrypted = found.config else { return .failure(StepFailure("Failed to decrypt integration config")) }
        return .success(decrypted)
    }

    /// What node `i` sees of the others (SPEC §4.1): its ancestors' outputs, `.empty` for those that did not succeed.
    private func visibility(for i: Int) -> @Sendable (String) -> Visibility {
        var seen = Set<Int>()
        var stack = graph.incoming[i].map { graph.edges[$0].source }
        var visible: [String: Visibility] = [:]
        while let a = stack.popLast() {
            guard seen.insert(a).inserted else { continue }
            visible[graph.nodes[a].id] = outputs[a].map(Visibility.output) ?? .empty
            for e in graph.incoming[a] { stack.append(graph.edges[e].source) }
        }
        let snapshot = visible
        return { snapshot[$0] ?? .invisible }
    }

    /// Node `i`'s config with its templates rendered, and its view of the others. A string `httpBody` is left to the
    /// action, which parses it first when it holds JSON (SPEC §3.2). A config without `{{@` needs no view at all.
    private func renderedConfig(_ i: Int) -> (config: JSON, logConfig: JSON, outputs: @Sendable (String) -> Visibility) {
        if let r = rendered[i] { return r }
        let config = graph.nodes[i].config
        var r: (config: JSON, logConfig: JSON, outputs: @Sendable (String) -> Visibility) = (config, config, { _ in .invisible })
        if Run.mentionsTemplate(config) {
            let view = visibility(for: i)
            let full = Template.renderConfig(config, outputs: view)
            if case .string(let body)? = config["httpBody"] {
                // The action renders a string body itself (as values when it holds JSON). The log shows a JSON one
                // parsed and rendered, so its keys are redacted by name like the headers' (SPEC §5, §10); other text
                // rendered as text.
                var excluded = Template.excludedConfigKeys
                excluded.insert("httpBody")
                var logConfig = full
                if let parsed = try? JSON.parse(body), parsed.isObject || parsed.array != nil {
                    logConfig.set("httpBody", Template.renderJSONValues(parsed, outputs: view))
                }
                r = (Template.renderConfig(config, excluding: excluded, outputs: view), logConfig, view)
            } else {
                r = (full, full, view)
            }
        }
        rendered[i] = r
        return r
    }

    /// True when some string in `value` contains `{{@`.
    static func mentionsTemplate(_ value: JSON) -> Bool {
        switch value {
        case .string(let s): return s.utf8.count >= 3 && s.contains("{{@")
        case .array(let items): return items.contains(where: mentionsTemplate)
        case .object(let members): return members.contains { mentionsTemplate($0.value) }
        default: return false
        }
    }

    private func attempt(_ i: Int, number: Int, action: any Action) {
        guard !stopped else { return }
        let node = graph.nodes[i]
        let signal = StepSignal()
        attempts[i] = Attempt(number: number, signal: signal)
        let report = StepReport()
        let view = renderedConfig(i)
        let context = StepContext(executionID: request.executionID, workflowID: request.workflowID, owner: request.owner,
                                  nodeID: node.id, config: view.config, attempt: number, timeoutMs: node.timeoutMs,
                                  signal: signal, outputs: view.outputs, report: report, integration: integration[i])
        if action.isInstant {
            // Pure and quick (a Condition): run here, no step slot, no timer; its row is written now, with the log
            // input the action reported.
            let result: Result<JSON, StepFailure>
            do throws(StepFailure) { result = .success(try action.run(context)) } catch { result = .failure(error) }
            if let row = deferredRow[i] {
                deferredRow[i] = nil
                logIDs[i] = stepStarted(nodeID: node.id, nodeName: row.name, nodeType: "action",
                                        input: report.logInput ?? row.input, at: startedAt[i])
            }
            attemptEnded(i, number, result, action)
            return
        }
        let timedOut = StepFailure("Step timed out after \(node.timeoutMs) ms", retryable: true)
        attempts[i]?.timer = engine.delays.after(milliseconds: node.timeoutMs) { [self] in
            signal.stop(.timeout)   // aborts the call in flight, from this timer thread
            queue.async { [self] in turn { attemptEnded(i, number, .failure(timedOut), action) } }
        }
        engine.pool.submit { [self] in
            let result: Result<JSON, StepFailure>
            if signal.isStopped {
                result = .failure(timedOut)
            } else {
                do throws(StepFailure) { result = .success(try action.run(context)) } catch { result = .failure(error) }
            }
            queue.async { [self] in turn { attemptEnded(i, number, result, action) } }
        }
    }

    private func attemptEnded(_ i: Int, _ number: Int, _ result: Result<JSON, StepFailure>, _ action: any Action) {
        guard !stopped, var a = attempts[i], a.number == number, !a.settled else { return }   // late or superseded
        a.settled = true
        attempts[i] = a
        a.timer?.cancel()
        let node = graph.nodes[i]
        var result = result
        if case .failure = result, a.signal.stopReason == .timeout {
            // However the aborted call reported it, the attempt ended because its time was up.
            result = .failure(StepFailure("Step timed out after \(node.timeoutMs) ms", retryable: true))
        }
        a.signal.stop(.cancelled)   // nothing more to wait for: lets the action release what it holds
        if case .failure(let f) = result, f.retryable, number < node.maxAttempts {
            engine.observer?.stepRetried(action: actionID[i])
            let d = min(node.maxBackoffMs, node.backoffMs << min(number - 1, 30))
            let delay = d / 2 + Int.random(in: 0...max(0, d / 2))
            engine.delays.after(milliseconds: delay) { [self] in
                queue.async { [self] in turn { attempt(i, number: number + 1, action: action) } }
            }
            return
        }
        end(i, result, attempt: number)
    }

    /// The node's final outcome: its log row, its status, and what that makes ready.
    private func end(_ i: Int, _ result: Result<JSON, StepFailure>, attempt number: Int) {
        guard !stopped else { return }
        let now = engine.clock()
        var outcome = result
        if case .success(let output) = outcome, output.text.utf8.count > Run.maxOutputBytes {
            outcome = .failure(StepFailure("Output too large (limit \(Run.maxOutputBytes) bytes)"))
        }
        var ready: [Int] = []
        let duration = max(0, now - startedAt[i])
        switch outcome {
        case .success(let output):
            if actionID[i] == "Condition" { conditionResult[i] = output["condition"] == .bool(true) }
            outputs[i] = output
            let logged = Run.loggedOutput(output)
            if let logID = logIDs[i] {
                stepFinished(logID, .success, output: logged, error: nil, at: now, durationMs: duration)
            }
            if lastSuccess == nil || now > lastSuccess!.at || (now == lastSuccess!.at && i > lastSuccess!.index) {
                lastSuccess = (now, i, logged)
            }
            engine.observer?.stepFinished(action: actionID[i], status: .success, durationMs: duration)
            settle(i, .success, ready: &ready)
        case .failure(let f):
            let message = number > 1 ? "\(f.message) (after \(number) attempts)" : f.message
            if let logID = logIDs[i] {
                stepFinished(logID, .error, output: nil, error: message, at: now, durationMs: duration)
            }
            if firstError == nil { firstError = message }
            engine.observer?.stepFinished(action: actionID[i], status: .error, durationMs: duration)
            settle(i, .error, ready: &ready)
        }
        engine.debug("step finished", request.executionID, graph.nodes[i].id)
        resolve(ready)
    }

    private func finish() {
        guard !stopped && !finished else { return }
        finished = true
        let now = engine.clock()
        let failed = status.contains(.error)
        let final: RunStatus = failed ? .error : .success
        let duration = max(0, now - request.startedAt)
        outbox.append(.runFinished(execution: request.executionID, status: final, output: lastSuccess.map { redactor.redact($0.output) },
                                   error: firstError.map(redactor.redact), at: now, durationMs: duration))
        flush()   // before the engine forgets the run: a shutdown waiting for it must find its writes queued
        engine.runEnded(self, status: final, durationMs: duration)
    }

    /// SPEC §5: `data` when the output has both `success` and `data`, else the output without its top-level `success`.
    static func loggedOutput(_ output: JSON) -> JSON {
        guard case .object(let members) = output else { return output }
        if output["success"] != nil, let data = output["data"] { return data }
        return .object(members.filter { $0.key != "success" })
    }
}
