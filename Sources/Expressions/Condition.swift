// Entry points of the Condition language (SPEC §4.2): parsing with its limits, the syntax error, and the step log
// input. Pure; any thread.
import JSON

/// Why an expression does not parse: `reason` reads `expected ")" at 14`, the position a 0-based Unicode scalar offset.
/// The Condition node fails with `"Invalid condition expression: " + reason`.
public struct ConditionSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public let offset: Int
    public let reason: String
    public var description: String { reason }

    init(_ message: String, at offset: Int) {
        self.offset = offset
        reason = "\(message) at \(offset)"
    }

    init(message: String) {
        offset = 0
        reason = message
    }

    /// A scalar or token as the message shows it: `")"`.
    static func quote(_ c: Unicode.Scalar) -> String { quote(String(c)) }
    static func quote(_ s: String) -> String { "\"" + s + "\"" }
}

/// Parsing conditions and shaping their step log.
public enum Condition {
    /// Longest accepted expression, in Unicode scalars.
    public static let maxLength = 4_096
    /// Deepest accepted nesting of `(…)`, `!` and method arguments (the top level is depth 0).
    public static let maxDepth = 64

    /// The expression `text` stands for, or why it does not parse (too long, too deep, or not in the grammar).
    public static func parse(_ text: String) throws(ConditionSyntaxError) -> ConditionExpression {
        // Counting stops past the limit, so a huge input costs no more than a long one.
        guard text.unicodeScalars.prefix(maxLength + 1).count <= maxLength else {
            throw ConditionSyntaxError(message: "expression longer than \(maxLength) characters")
        }
        let lexer = try ConditionLexer(text)
        var parser = ConditionParser(tokens: lexer.tokens)
        let root = try parser.parseAll()
        return ConditionExpression(text: text, root: root, templates: lexer.templates)
    }

    /// The Condition step's log input: `{"condition":<bool>,"expression":"<original>","values":{"<Label.path>":<raw>}}`.
    public static func logInput(expression: String, result: Bool, values: [(key: String, value: JSON)]) -> JSON {
        ["condition": .bool(result), "expression": .string(expression), "values": .object(values)]
    }
}
