// Shared pieces of the action tests: one client for all of them, and steps built from a config. Any thread.
import Domain
import Engine
import HTTPClient
import JSON

enum Shared {
    /// Creating a client parses the system trust store: one for the whole test process.
    static let client = HTTPClient(userAgent: "Orchestrator/test")
}

/// One attempt of a step with `config`.
func step(_ config: JSON, timeoutMs: Int = 5000, signal: StepSignal = StepSignal()) -> StepContext {
    StepContext(executionID: ExecutionID("exec_test"), workflowID: WorkflowID("wf_test"), owner: UserID("user_test"),
                nodeID: "n1", config: config, attempt: 1, timeoutMs: timeoutMs, signal: signal)
}

/// Runs `action` and returns its failure, or nil when it succeeded.
func failureOf(_ action: any Action, _ step: StepContext) -> StepFailure? {
    do {
        _ = try action.run(step)
        return nil
    } catch {
        return error
    }
}
