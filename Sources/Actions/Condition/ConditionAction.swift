// The "Condition" action (SPEC §3.2, §4.2): decides which outgoing edges of its node are active. Booleans as they are,
// strings through the Condition language (Expressions). Stateless and pure; runs on the run's own queue.
import Domain
import Engine
import Expressions
import JSON

/// Outputs `{"condition":<bool>}` from the `condition` config: a boolean, or the string "true"/"false". Never retryable.
public struct ConditionAction: Action {
    static let requiredMessage = "Condition expression is required"

    public init() {}

    /// Pure and quick: the engine runs it on the run's own queue, without a step slot or a timer.
    public var isInstant: Bool { true }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        switch step.config["condition"] {
        case .bool(let value)?:
            return ["condition": .bool(value)]
        case .string(let text)?:
            let expression = text.trimmed
            guard !expression.isEmpty else { throw StepFailure(ConditionAction.requiredMessage) }
            let parsed: ConditionExpression
            do throws(ConditionSyntaxError) { parsed = try Condition.parse(expression) } catch {
                throw ConditionAction.invalid(error.reason)
            }
            let (result, values) = parsed.evaluate(lookup: step.outputs)
            // SPEC §4.2: the log shows the decision, the expression as written and each template's raw value.
            step.report.logInput = Condition.logInput(expression: text, result: result, values: values)
            return ["condition": .bool(result)]
        case nil, .null?:
            throw StepFailure(ConditionAction.requiredMessage)
        case _?:
            throw ConditionAction.invalid("expected a boolean or an expression string")
        }
    }

    static func invalid(_ reason: String) -> StepFailure { StepFailure("Invalid condition expression: \(reason)") }
}
