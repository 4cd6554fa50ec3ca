// The executor's semantics (SPEC §5) with fake actions: chains, fan-out, joins, Condition handles, failure isolation,
// disabled pass-through, the entry trigger, retries, timeouts, cancellation, the output cap and the run's output/error.
import Dispatch
import Foundation
import Synchronization
import Testing
import Domain
import JSON
@testable import Engine

@Suite struct EngineTests {
    /// An action that succeeds with `{"success":true,"data":{"node":<id>}}`.
    static let ok = FakeAction { step throws(StepFailure) in ["success": true, "data": ["node": .string(step.nodeID)]] }
    /// A Condition that reads its boolean config.
    static let condition = FakeAction(instant: true) { step throws(StepFailure) in
        ["condition": .bool(step.config["condition"] == .bool(true))]
    }

    @Test func aChainRunsInOrderAndTheOutputIsTheLastSuccess() {
        let h = Harness(actions: ["HTTP Request": Self.ok])
        #expect(h.run([G.trigger(), G.action("a"), G.action("b")], [G.edge("t", "a"), G.edge("a", "b")]))
        #expect(h.sink.finishOrder == ["t", "a", "b"])
        #expect(h.sink.run?.status == .success)
        #expect(h.sink.run?.output == ["node": "b"], "data of an output with success and data")
        #expect(h.sink.run?.error == nil)
    }

    @Test func fanOutRunsBranchesConcurrently() {
        let inside = Atomic<Int>(0), peak = Atomic<Int>(0)
        let slow = FakeAction { _ throws(StepFailure) in
            let n = inside.add(1, ordering: .relaxed).newValue
            var seen = peak.load(ordering: .relaxed)
            while n > seen {
                let (exchanged, original) = peak.compareExchange(expected: seen, desired: n, ordering: .relaxed)
                if exchanged { break }
                seen = original
            }
            usleep(50_000)
            inside.subtract(1, ordering: .relaxed)
            return ["success": true]
        }
        let h = Harness(actions: ["HTTP Request": slow])
        let branches = (0..<4).map { "b\($0)" }
        #expect(h.run([G.trigger()] + branches.map { G.action($0) }, branches.map { G.edge("t", $0) }))
        let maxInside = peak.load(ordering: .relaxed)
        #expect(maxInside == 4)
        #expect(h.sink.finals.filter { $0.value == NodeStatus.success }.count == 5)
    }

    @Test func aDiamondJoinRunsOnceAfterBothParents() {
        let h = Harness(actions: ["HTTP Request": Self.ok])
        #expect(h.run([G.trigger(), G.action("l"), G.action("r"), G.action("j")],
                      [G.edge("t", "l"), G.edge("t", "r"), G.edge("l", "j"), G.edge("r", "j")]))
        let order = h.sink.finishOrder
        #expect(order.filter { $0 == "j" }.count == 1)
        #expect(order.last == "j")
        #expect(Self.ok.attempts("j") >= 1)
    }

    @Test(arguments: [true, false])
    func conditionHandlesChooseTheBranch(_ value: Bool) {
        let h = Harness(actions: ["HTTP Request": Self.ok, "Condition": Self.condition])
        #expect(h.run([G.trigger(), G.action("c", "Condition", config: ["condition": .bool(value)]), G.action("yes"),
                       G.action("no"), G.action("plain")],
                      [G.edge("t", "c"), G.edge("c", "yes", handle: "true"), G.edge("c", "no", handle: "false"),
                       G.edge("c", "plain")]))
        let f = h.sink.finals
        #expect(f["yes"] == (value ? .success : nil))
        #expect(f["plain"] == (value ? .success : nil), "an edge without a handle follows true")
        #expect(f["no"] == (value ? nil : .success))
        #expect(h.sink.run?.status == .success)
    }

    @Test func aFailureStopsOnlyItsBranchAndTheRunEndsInError() {
        let failing = FakeAction { step throws(StepFailure) in
            if step.nodeID == "bad" { throw StepFailure("boom") }
            return ["success": true]
        }
        let h = Harness(actions: ["HTTP Request": failing])
        #expect(h.run([G.trigger(), G.action("bad"), G.action("after"), G.action("other")],
                      [G.edge("t", "bad"), G.edge("bad", "after"), G.edge("t", "other")]))
        let f = h.sink.finals
        #expect(f["bad"] == .error && f["other"] == .success && f["after"] == nil)
        #expect(h.sink.run?.status == .error && h.sink.run?.error == "boom")
    }

    @Test func aDisabledNodePassesThroughWithoutALogRow() {
        let h = Harness(actions: ["HTTP Request": Self.ok])
        #expect(h.run([G.trigger(), G.action("off", enabled: false), G.action("next")], [G.edge("t", "off"), G.edge("off", "next")]))
        #expect(h.sink.finals["off"] == nil)
        #expect(h.sink.finals["next"] == .success)
        #expect(Self.ok.attempts("off") == 0)
    }

    @Test func onlyTheFirstTriggerRunsAndItsOutputIsTheRunOutputWhenNothingElseSucceeds() {
        let h = Harness(actions: ["HTTP Request": Self.ok])
        #expect(h.run([G.trigger("t1"), G.trigger("t2"), G.action("fromSecond")], [G.edge("t2", "fromSecond")]))
        #expect(h.sink.finals == ["t1": .success])
        #expect(h.sink.run?.output == ["triggered": true, "timestamp": 1])
        let names = h.sink.writes.compactMap { if case .started(let n, let name, let type, _) = $0 { return "\(n):\(name):\(type)" } else { return nil } }
        #expect(names == ["t1:Manual:trigger"])
    }

    @Test func unknownAndMissingActionTypesAndRequiredFieldsFailTheStep() {
        let h = Harness(actions: ["HTTP Request": Self.ok])
        #expect(h.run([G.trigger(), G.action("u", "Nope"), G.action("e", ""), G.action("m", config: [:]), G.action("n", "Send Slack Message")],
                      [G.edge("t", "u"), G.edge("t", "e"), G.edge("t", "m"), G.edge("t", "n")]))
        #expect(h.sink.error(of: "u") == "Unknown action type: Nope")
        #expect(h.sink.error(of: "e") == "Action type is not set")
        #expect(h.sink.error(of: "m") == "Missing required field: endpoint")
        #expect(h.sink.error(of: "n") == "Send Slack Message is not available in this version")
        let names = h.sink.writes.compactMap { if case .started(let n, let name, _, _) = $0, n == "m" { return name } else { return nil } }
        #expect(names == ["HTTP Request"], "nodeName falls back to the catalog label")
    }

    @Test func retriesCountAttemptsAndBackOffWithinBounds() {
        let flaky = FakeAction { step throws(StepFailure) in
            if step.attempt < 4 { throw StepFailure("HTTP request failed with status 503: down", retryable: true) }
            return ["success": true, "status": 200]
        }
        let delays = RecordingDelays()
        let h = Harness(actions: ["HTTP Request": flaky], delays: delays)
        #expect(h.run([G.trigger(), G.action("a", retry: ["maxAttempts": 5, "backoffMs": 100, "maxBackoffMs": 300])], [G.edge("t", "a")]))
        #expect(flaky.attempts("a") == 4)
        #expect(h.sink.finals["a"] == .success)
        let d = delays.backoffs
        #expect(d.count == 3)
        // d = min(300, 100·2^(k−1)) → 100, 200, 300; the sleep is d/2 + uniform(0, d/2).
        for (k, cap) in [100, 200, 300].enumerated() where k < d.count { #expect(d[k] >= cap / 2 && d[k] <= cap, "\(d)") }
        #expect(h.sink.writes.filter { if case .started(let n, _, _, _) = $0 { return n == "a" } else { return false } }.count == 1,
                "one log row covers every attempt")
    }

    @Test func aStepThatKeepsFailingSaysHowManyAttempts() {
        let down = FakeAction { _ throws(StepFailure) in throw StepFailure("HTTP request failed: refused", retryable: true) }
        let h = Harness(actions: ["HTTP Request": down])
        #expect(h.run([G.trigger(), G.action("a", retry: ["maxAttempts": 3, "backoffMs": 0])], [G.edge("t", "a")]))
        #expect(down.attempts("a") == 3)
        #expect(h.sink.error(of: "a") == "HTTP request failed: refused (after 3 attempts)")
    }

    @Test func nonRetryableFailuresAreNotRetried() {
        let bad = FakeAction { _ throws(StepFailure) in throw StepFailure("HTTP request failed with status 404: no") }
        let h = Harness(actions: ["HTTP Request": bad])
        #expect(h.run([G.trigger(), G.action("a", retry: ["maxAttempts": 5])], [G.edge("t", "a")]))
        #expect(bad.attempts("a") == 1)
        #expect(h.sink.error(of: "a") == "HTTP request failed with status 404: no")
    }

    @Test func aTimeoutStopsTheAttemptAndFailsTheStep() {
        let stopped = Atomic<Bool>(false)
        let hang = FakeAction { step throws(StepFailure) in
            let gate = DispatchSemaphore(value: 0)
            step.signal.onCancel { _ in stopped.store(true, ordering: .relaxed); gate.signal() }
            _ = gate.wait(timeout: .now() + 10)
            throw StepFailure("aborted", retryable: true)
        }
        let h = Harness(actions: ["HTTP Request": hang], delays: RecordingDelays(timeoutThreshold: 50, fireTimeoutsAfterMs: 20))
        #expect(h.run([G.trigger(), G.action("a", timeoutMs: 100)], [G.edge("t", "a")]))
        #expect(h.sink.error(of: "a") == "Step timed out after 100 ms")
        let wasStopped = stopped.load(ordering: .relaxed)
        #expect(wasStopped, "the call in flight was told to stop")
    }

    @Test func cancelStopsTheRunWritesNothingMoreAndCancelsPendingNodes() {
        let started = DispatchSemaphore(value: 0)
        let aborted = Atomic<Bool>(false)
        let hang = FakeAction { step throws(StepFailure) in
            let gate = DispatchSemaphore(value: 0)
            step.signal.onCancel { r in aborted.store(r == .cancelled, ordering: .relaxed); gate.signal() }
            started.signal()
            _ = gate.wait(timeout: .now() + 10)
            return ["success": true]
        }
        let h = Harness(actions: ["HTTP Request": hang])
        #expect(h.engine.admit())
        h.engine.start(RunRequest(executionID: ExecutionID("exec_c"), workflowID: WorkflowID("wf"), owner: UserID("u"),
                                  nodes: [G.trigger(), G.action("a"), G.action("b")], edges: [G.edge("t", "a"), G.edge("a", "b")],
                                  trigger: "manual", triggerInput: [:], triggerOutput: ["triggered": true], startedAt: 0))
        #expect(started.wait(timeout: .now() + 5) == .success)
        // The trigger's row and the step's start are handed over at the end of the turn that started the step.
        #expect(eventually { h.sink.writes.count == 3 })
        let writesBefore = h.sink.writes.count
        #expect(h.engine.cancel(ExecutionID("exec_c")))
        let wasAborted = aborted.load(ordering: .relaxed)
        #expect(wasAborted)
        #expect(h.engine.unfinishedCount == 0)
        usleep(100_000)
        #expect(h.sink.writes.count == writesBefore, "late results are discarded")
        #expect(h.engine.nodeStatuses(ExecutionID("exec_c")) == nil)
        #expect(!h.engine.cancel(ExecutionID("exec_c")))
    }

    @Test func anOutputOverTheCapFailsTheStep() {
        let big = FakeAction { _ throws(StepFailure) in ["data": .string(String(repeating: "x", count: 8 * 1024 * 1024))] }
        let h = Harness(actions: ["HTTP Request": big])
        #expect(h.run([G.trigger(), G.action("a")], [G.edge("t", "a")]))
        #expect(h.sink.error(of: "a") == "Output too large (limit 8388608 bytes)")
    }

    @Test func theRunErrorIsTheFirstFailureAndTheOutputTheLastSuccessWithTiesByNodeOrder() {
        let mixed = FakeAction { step throws(StepFailure) in
            if step.nodeID.hasPrefix("f") { throw StepFailure("failed \(step.nodeID)") }
            return ["v": .string(step.nodeID), "success": true]
        }
        let h = Harness(actions: ["HTTP Request": mixed], workers: 1)
        #expect(h.run([G.trigger(), G.action("f1"), G.action("s1"), G.action("f2"), G.action("s2")],
                      [G.edge("t", "f1"), G.edge("f1", "s1"), G.edge("t", "s1"), G.edge("s1", "f2"), G.edge("f2", "s2"), G.edge("s1", "s2")]))
        #expect(h.sink.run?.error == "failed f1")
        #expect(h.sink.run?.output == ["v": "s2"], "an output without data loses only its success key")
    }

    @Test func admissionIsBounded() {
        let h = Harness(actions: [:], maxUnfinished: 2)
        #expect(h.engine.admit() && h.engine.admit())
        #expect(!h.engine.admit())
        h.engine.release()
        #expect(h.engine.admit())
    }

    @Test func aLongChainOfSkippedNodesNeedsNoDeepRecursion() {
        let failing = FakeAction { _ throws(StepFailure) in throw StepFailure("stop") }
        let h = Harness(actions: ["HTTP Request": failing])
        let n = 2000
        var nodes = [G.trigger(), G.action("a0")]
        var edges = [G.edge("t", "a0")]
        for i in 1..<n {
            nodes.append(G.action("a\(i)"))
            edges.append(G.edge("a\(i - 1)", "a\(i)"))
        }
        #expect(h.run(nodes, edges))
        #expect(h.sink.finals.count == 2)
        #expect(h.sink.run?.status == .error)
    }
}

/// Polls `condition` every 10 ms for up to `timeout` seconds.
func eventually(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = DispatchTime.now() + timeout
    while DispatchTime.now() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

@Suite struct EngineTemplateTests {
    /// Echoes its rendered config as its output.
    static let echo = FakeAction { step throws(StepFailure) in ["success": true, "data": step.config] }

    @Test func configsSeeAncestorOutputsWithUnwrapAndNothingElse() {
        let failing = FakeAction { step throws(StepFailure) in
            if step.nodeID == "bad" { throw StepFailure("no") }
            return ["success": true, "status": 201, "data": ["items": [1, 2], "name": "Ada"]]
        }
        let router = RouterAction(["a": failing, "bad": failing, "side": failing, "use": Self.echo])
        let h = Harness(actions: ["HTTP Request": router])
        let config: JSON = ["endpoint": "http://x/{{@a:A.name}}",
                            "httpHeaders": ["X-Status": "{{@a:A.status}}", "X-Item": "{{@a:A.items[1]}}", "X-Whole": "{{@a:A.items}}",
                                            "X-Bad": "[{{@bad:B.x}}]", "X-Side": "{{@side:S.name}}", "X-Trigger": "{{@t:T.who}}"]]
        #expect(h.run([G.trigger(), G.action("a"), G.action("bad"), G.action("side"), G.action("use", config: config)],
                      [G.edge("t", "a"), G.edge("t", "bad"), G.edge("a", "use"), G.edge("bad", "use"), G.edge("t", "side")],
                      input: [:]))
        guard case .finished(_, _, let output, _)? = h.sink.writes.last(where: {
            if case .finished(let n, _, _, _) = $0 { return n == "use" } else { return false }
        }) else { Issue.record("no row for use"); return }
        #expect(output?["endpoint"] == "http://x/Ada", "\(String(describing: output))")
        let headers = output?["httpHeaders"]
        #expect(headers?["X-Status"] == "201", "a top-level key is not unwrapped")
        #expect(headers?["X-Item"] == "2" && headers?["X-Whole"] == "[1,2]")
        #expect(headers?["X-Bad"] == "[]", "a failed ancestor renders empty")
        #expect(headers?["X-Side"] == "{{@side:S.name}}", "a non-ancestor stays literal")
        #expect(headers?["X-Trigger"] == "", "the trigger output has no `who`")
    }
}

extension EngineTemplateTests {
    @Test func aStringBodyIsLeftToTheActionButLoggedRendered() {
        let h = Harness(actions: ["HTTP Request": Self.echo])
        #expect(h.run([G.trigger(), G.action("use", config: ["endpoint": "http://x", "httpBody": #"{"who":"{{@t:T.triggered}}"}"#])],
                      [G.edge("t", "use")]))
        let started = h.sink.writes.compactMap { w -> JSON? in
            if case .started(let n, _, _, let input) = w, n == "use" { return input } else { return nil }
        }
        #expect(started.first?["httpBody"] == ["who": "true"], "the log shows it parsed and rendered")
        let finished = h.sink.writes.compactMap { w -> JSON? in
            if case .finished(let n, _, let o, _) = w, n == "use" { return o } else { return nil }
        }
        #expect(finished.first?["httpBody"] == #"{"who":"{{@t:T.triggered}}"}"#, "the action got it unrendered, to parse first")
    }
}

/// Dispatches to a fake action by node id.
final class RouterAction: Action, Sendable {
    let byNode: [String: FakeAction]
    init(_ byNode: [String: FakeAction]) { self.byNode = byNode }
    func run(_ step: StepContext) throws(StepFailure) -> JSON {
        guard let a = byNode[step.nodeID] else { throw StepFailure("no action for \(step.nodeID)") }
        return try a.run(step)
    }
}

@Suite struct EngineIntegrationTests {
    @Test func aStepGetsItsIntegrationOrFailsWithTheSpecMessage() {
        let echo = FakeAction { step throws(StepFailure) in ["success": true, "data": step.integration ?? .null] }
        let sink = RecordingSink()
        let clock = Atomic<Int64>(0)
        let engine = Engine(actions: ["slack/send-message": echo], sink: sink, workers: 4, defaultTimeoutMs: 60_000,
                            delays: RecordingDelays(), clock: { clock.add(1, ordering: .relaxed).newValue })
        func slack(_ id: String, _ integration: String?) -> JSON {
            var config: JSON = ["slackChannel": "#x", "slackMessage": "hi"]
            if let integration { config.set("integrationId", .string(integration)) }
            return G.action(id, "Send Slack Message", config: config)
        }
        #expect(engine.admit())
        engine.start(RunRequest(executionID: ExecutionID("exec_i"), workflowID: WorkflowID("wf"), owner: UserID("u"),
                                nodes: [G.trigger(), slack("ok", "int_s"), slack("none", nil), slack("gone", "int_x"),
                                        slack("wrong", "int_g"), slack("sealed", "int_bad")],
                                edges: ["ok", "none", "gone", "wrong", "sealed"].map { G.edge("t", $0) },
                                trigger: "manual", triggerInput: [:], triggerOutput: ["triggered": true], startedAt: 0,
                                integrations: ["int_s": ResolvedIntegration(type: "slack", config: ["apiKey": "xoxb-1"]),
                                               "int_g": ResolvedIntegration(type: "github", config: ["token": "t"]),
                                               "int_bad": ResolvedIntegration(type: "slack", config: nil)]))
        #expect(sink.waitForRun())
        #expect(sink.finals["ok"] == .success)
        #expect(sink.error(of: "none") == "No slack integration configured for this step")
        #expect(sink.error(of: "gone") == "No slack integration configured for this step")
        #expect(sink.error(of: "wrong") == "Integration type mismatch: expected slack")
        #expect(sink.error(of: "sealed") == "Failed to decrypt integration config")
        #expect(echo.attempts("ok") == 1 && echo.attempts("none") == 0)
    }
}
