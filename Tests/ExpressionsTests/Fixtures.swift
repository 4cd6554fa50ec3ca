// Shared outputs for the template and condition tests: an HTTP Request-shaped output, a webhook payload, a failed
// ancestor and a non-ancestor.
import JSON
@testable import Expressions

enum Fixtures {
    static let outputs: [String: Visibility] = [
        "a": .output(["success": true, "status": 200, "data": ["items": [1, 2, 3], "name": "Ada", "empty": "",
                                                            "nothing": nil, "status": "inner"]]),
        "n1": .output(["user": ["name": "Ada", "tags": ["x", "y"]]]),
        "n2": .output(["count": 3]),
        "t": .output(["email": "Ada@Example.COM", "tags": ["x", "y", 2], "count": 3, "zero": 0, "ratio": 0.5,
                      "obj": ["k": 1, "m": [1, 2]], "text": "  héllo 👋🏽 ", "flag": true, "nil": nil, "num": "42"]),
        "s": .output(["success": true, "data": []]),
        "f": .empty,
    ]

    static func lookup(_ id: String) -> Visibility { outputs[id] ?? .invisible }

    /// A condition value as text: `undefined`, `NaN`, or its JSON.
    static func show(_ v: ConditionValue) -> String {
        switch v {
        case .undefined: "undefined"
        case .number(let d) where !d.isFinite: ConditionValue.format(d)
        default: v.json.text
        }
    }

    /// The raw value of `expression`, shown; parse errors show as `error: <reason>`.
    static func evaluate(_ expression: String) -> String {
        do {
            return show(try Condition.parse(expression).value(lookup: lookup))
        } catch {
            return "error: \(error.reason)"
        }
    }
}
