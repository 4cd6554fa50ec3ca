// What the engine asks of an action: run one attempt of one step with its resolved config, on a step slot (blocking is
// fine there), stopping early when its signal fires (timeout or cancel). Implementations live in the Actions module.
import Domain
import Expressions
import JSON
import Synchronization

/// One kind of step (HTTP Request, Condition, a provider call, …).
public protocol Action: Sendable {
    /// Runs one attempt and returns the node's output. Blocking calls are fine: this runs on a step slot, never on an
    /// event loop. A call in flight must stop soon after `step.signal` fires (register with `onCancel`, e.g. to
    /// cancel an HTTP client token): its result is then discarded anyway.
    func run(_ step: StepContext) throws(StepFailure) -> JSON

    /// What the step's log row shows as `input` (SPEC §5): by default the config without `actionType` and
    /// `integrationId`.
    func logInput(config: JSON) -> JSON

    /// True for pure, quick actions (Condition): run on the run's own queue, with no step slot and no timer.
    var isInstant: Bool { get }
}

extension Action {
    public func logInput(config: JSON) -> JSON { StepContext.defaultLogInput(config) }
    public var isInstant: Bool { false }
}

/// Everything one attempt gets.
public struct StepContext: Sendable {
    public let executionID: ExecutionID
    public let workflowID: WorkflowID
    public let owner: UserID
    public let nodeID: String
    /// The node's config with templates resolved (SPEC §4.1).
    public let config: JSON
    /// 1 for the first attempt.
    public let attempt: Int
    /// This attempt's time limit (SPEC §5 timeouts).
    public let timeoutMs: Int
    /// Fires when the attempt times out or the run is cancelled.
    public let signal: StepSignal
    /// What this step sees of other nodes for templates (SPEC §4.1): its ancestors' unredacted outputs.
    public let outputs: @Sendable (String) -> Visibility
    /// What the action reports besides its output (the Condition's log input).
    public let report: StepReport
    /// The decrypted config of the step's integration, for actions that have one (checked by the engine: present,
    /// owned by the workflow's owner, of the action's type).
    public let integration: JSON?

    public init(executionID: ExecutionID, workflowID: WorkflowID, owner: UserID, nodeID: String, config: JSON, attempt: Int,
                timeoutMs: Int, signal: StepSignal, outputs: @escaping @Sendable (String) -> Visibility = { _ in .invisible },
                report: StepReport = StepReport(), integration: JSON? = nil) {
        self.executionID = executionID
        self.workflowID = workflowID
        self.owner = owner
        self.nodeID = nodeID
        self.config = config
        self.attempt = attempt
        self.timeoutMs = timeoutMs
        self.signal = signal
        self.outputs = outputs
        self.report = report
        self.integration = integration
    }

    /// The config without `actionType` and `integrationId`.
    public static func defaultLogInput(_ config: JSON) -> JSON {
        guard case .object(let members) = config else { return config }
        return .object(members.filter { $0.key != "actionType" && $0.key != "integrationId" })
    }
}

/// Why an attempt failed: the message written to the step's `error` (SPEC §3.2), and whether another attempt may
/// help (SPEC §5: transport errors, timeouts and provider 408/429/5xx are retried; nothing else is).
public struct StepFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let retryable: Bool

    public init(_ message: String, retryable: Bool = false) {
        self.message = message
        self.retryable = retryable
    }

    public var description: String { message }
}

/// Side results of an attempt, set by the action on its thread and read by the engine afterwards.
public final class StepReport: Sendable {
    private let input = Mutex<JSON?>(nil)

    public init() {}

    /// Replaces the step's log input (SPEC §4.2: a Condition logs `{condition, expression, values}`). Honoured for
    /// instant actions, whose row is written once the attempt has run.
    public var logInput: JSON? {
        get { input.withLock { $0 } }
        set { input.withLock { $0 = newValue } }
    }
}
