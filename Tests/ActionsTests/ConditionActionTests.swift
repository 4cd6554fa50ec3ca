// The Condition action with boolean config: booleans and "true"/"false" strings decide, blank or missing config is
// required, anything else is an expression (not supported yet). Never retryable.
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct ConditionActionTests {
    let action = ConditionAction()

    @Test(arguments: [(JSON.bool(true), true), (false, false), ("true", true), ("false", false), (" true\n", true),
                      ("\tfalse ", false)])
    func booleansDecide(_ condition: JSON, _ expected: Bool) throws {
        #expect(try action.run(step(["actionType": "Condition", "condition": condition])) == ["condition": .bool(expected)])
    }

    @Test(arguments: [JSON.null, "", "   ", "\n"])
    func blankConditionIsRequired(_ condition: JSON) {
        #expect(failureOf(action, step(["condition": condition])) == StepFailure("Condition expression is required"))
    }

    @Test func missingConditionIsRequired() {
        #expect(failureOf(action, step([:])) == StepFailure("Condition expression is required"))
    }

    @Test(arguments: [("1 === 1", true), ("!false", true), ("'a' > 'b'", false), ("null == undefined", true)])
    func expressionsAreEvaluated(_ expression: String, _ expected: Bool) {
        #expect(failureOf(action, step(["condition": .string(expression)])) == nil)
        let s = step(["condition": .string(expression)])
        #expect((try? action.run(s)) == ["condition": .bool(expected)])
        #expect(s.report.logInput?["condition"] == .bool(expected))
        #expect(s.report.logInput?["expression"] == .string(expression))
    }

    @Test(arguments: ["TRUE", "yes", "1 ===", "(true"])
    func syntaxErrorsFailWithTheirReason(_ expression: String) {
        let failure = failureOf(action, step(["condition": .string(expression)]))
        #expect(failure?.message.hasPrefix("Invalid condition expression: ") == true, "\(String(describing: failure))")
        #expect(failure?.retryable == false)
    }

    @Test(arguments: [JSON(1), 0, [true], ["a": true]])
    func otherTypesAreInvalid(_ condition: JSON) {
        #expect(failureOf(action, step(["condition": condition]))
                == StepFailure("Invalid condition expression: expected a boolean or an expression string"))
    }
}
