// The "Condition" action (SPEC §3.2, §4.2): decides which outgoing edges of its node are active. Booleans only for
// now; expression strings arrive with the Condition language. Stateless and pure; runs on the run's own queue.
import Domain
import Engine
import JSON

/// Outputs `{"condition":<bool>}` from the `condition` config: a boolean, or the string "true"/"false". Never retryable.
public struct ConditionAction: Action {
    static let requiredMessage = "Condition expression is required"

    public init() {}

    /// Pure and quick: the engine runs it on the run's own queue, without a step slot or a timer.
    public var isInstant: Bool { true }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        ["condition": .bool(try ConditionAction.decide(step.config["condition"]))]
    }

    /// The boolean `condition` stands for.
    static func decide(_ condition: JSON?) throws(StepFailure) -> Bool {
        switch condition {
        case .bool(let value)?:
            return value
        case .string(let text)?:
            let expression = text.trimmed
            guard !expression.isEmpty else { throw StepFailure(requiredMessage) }
            return try evaluate(expression)
        case nil, .null?:
            throw StepFailure(requiredMessage)
        case _?:
            throw invalid("expected a boolean or an expression string")
        }
    }

    /// Evaluates an expression string (SPEC §4.2). The seam for the Condition language: only the literals `true` and
    /// `false` are understood so far.
    static func evaluate(_ expression: String) throws(StepFailure) -> Bool {
        switch expression {
        case "true": return true
        case "false": return false
        default: throw invalid("expressions are not supported yet")
        }
    }

    static func invalid(_ reason: String) -> StepFailure {
        StepFailure("Invalid condition expression: \(reason)")
    }
}
