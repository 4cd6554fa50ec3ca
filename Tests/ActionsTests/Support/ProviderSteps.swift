// Shared pieces of the provider action tests: a step carrying its integration config, JSON replies, and a request
// body read back as JSON. Any thread.
import Domain
import Engine
import JSON

/// One attempt of a provider step with `config` and the decrypted `integration` config.
func providerStep(_ config: JSON, integration: JSON, timeoutMs: Int = 5000) -> StepContext {
    StepContext(executionID: ExecutionID("exec_test"), workflowID: WorkflowID("wf_test"), owner: UserID("user_test"),
                nodeID: "n1", config: config, attempt: 1, timeoutMs: timeoutMs, signal: StepSignal(), integration: integration)
}

extension Reply {
    /// A JSON reply with `status`.
    static func json(_ status: Int, _ body: JSON) -> Reply {
        .respond(status: status, headers: [("Content-Type", "application/json")], body: body.bytes)
    }
}

extension RecordedRequest {
    /// The body parsed as JSON (null when it does not parse).
    var json: JSON { (try? JSON.parse(body)) ?? .null }
}
