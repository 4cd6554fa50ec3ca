// What one run needs: the execution row's id, the workflow snapshot and the trigger's input and output, as the
// service computed them (SPEC §3.1, §5 Snapshot). Value; any thread.
import Domain
import JSON

public struct RunRequest: Sendable {
    public let executionID: ExecutionID
    public let workflowID: WorkflowID
    public let owner: UserID
    /// The workflow's nodes and edges when the execution was created.
    public let nodes: [JSON]
    public let edges: [JSON]
    /// `manual`, `webhook` or `schedule` (metrics).
    public let trigger: String
    /// The entry trigger's log input and output.
    public let triggerInput: JSON
    public let triggerOutput: JSON
    /// When the execution row says it started (wall-clock ms).
    public let startedAt: Int64
    /// The secret values of the integrations the workflow references (SPEC §10 by-value redaction).
    public let secrets: [String]
    /// The owner's integrations the workflow references, by id, decrypted (SPEC §3.2: a step's `integrationId`).
    public let integrations: [String: ResolvedIntegration]

    public init(executionID: ExecutionID, workflowID: WorkflowID, owner: UserID, nodes: [JSON], edges: [JSON], trigger: String,
                triggerInput: JSON, triggerOutput: JSON, startedAt: Int64, secrets: [String] = [],
                integrations: [String: ResolvedIntegration] = [:]) {
        self.executionID = executionID
        self.workflowID = workflowID
        self.owner = owner
        self.nodes = nodes
        self.edges = edges
        self.trigger = trigger
        self.triggerInput = triggerInput
        self.triggerOutput = triggerOutput
        self.startedAt = startedAt
        self.secrets = secrets
        self.integrations = integrations
    }
}

/// An integration as a step sees it: its type and its config, nil when the stored config does not decrypt.
public struct ResolvedIntegration: Sendable {
    public let type: String
    public let config: JSON?

    public init(type: String, config: JSON?) {
        self.type = type
        self.config = config
    }
}
