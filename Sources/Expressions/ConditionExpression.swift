// A parsed condition (SPEC §4.2) and its evaluator. Evaluation never throws: anything invalid yields undefined.
// Immutable; evaluate from any thread.
import JSON

/// The syntax tree; chains of one precedence level are one node.
indirect enum ConditionNode: Sendable {
    enum Comparison: Sendable { case strictEqual, strictNotEqual, equal, notEqual, less, lessOrEqual, greater, greaterOrEqual }
    enum Method: String, Sendable { case includes, startsWith, endsWith, toLowerCase, toUpperCase, trim, toString }
    enum Postfix: Sendable {
        case length
        case method(Method, ConditionNode?)
        case index(ConditionValue)
    }

    case literal(ConditionValue)
    case template(Int)
    case not(ConditionNode)
    case or([ConditionNode])
    case and([ConditionNode])
    case compare(ConditionNode, [(Comparison, ConditionNode)])
    case postfix(ConditionNode, [Postfix])
}

/// A condition ready to evaluate against the outputs a step sees.
public struct ConditionExpression: Sendable {
    /// The expression as written.
    public let text: String
    let root: ConditionNode
    /// The templates in the expression, left to right.
    public let templates: [TemplateReference]

    init(text: String, root: ConditionNode, templates: [TemplateReference]) {
        self.text = text
        self.root = root
        self.templates = templates
    }

    /// The truthiness of the result, and each template's `"<Label>.<path>"` as written with its raw value (undefined
    /// → null), once per distinct text in order of appearance, whether or not short-circuiting reached it.
    public func evaluate(lookup: (String) -> Visibility) -> (value: Bool, values: [(key: String, value: JSON)]) {
        let resolved = resolveTemplates(lookup)
        var values: [(key: String, value: JSON)] = []
        var seen = Set<String>()
        for (ref, value) in zip(templates, resolved) where seen.insert(ref.labelPath).inserted {
            values.append((ref.labelPath, value.json))
        }
        return (ConditionExpression.evaluate(root, resolved).isTruthy, values)
    }

    /// The result before conversion to a boolean.
    public func value(lookup: (String) -> Visibility) -> ConditionValue {
        ConditionExpression.evaluate(root, resolveTemplates(lookup))
    }

    /// Each template's raw value: JSON null → null; missing, invisible or an empty ancestor → undefined.
    private func resolveTemplates(_ lookup: (String) -> Visibility) -> [ConditionValue] {
        templates.map { ref in
            switch Template.resolve(ref, outputs: lookup) {
            case .literal, .missing: .undefined
            case .value(let json): ConditionValue(json)
            }
        }
    }

    // MARK: - Evaluation

    private static func evaluate(_ node: ConditionNode, _ templates: [ConditionValue]) -> ConditionValue {
        switch node {
        case .literal(let value): return value
        case .template(let n): return n < templates.count ? templates[n] : .undefined
        case .not(let operand): return .bool(!evaluate(operand, templates).isTruthy)
        case .or(let operands):
            var value = ConditionValue.undefined
            for operand in operands {
                value = evaluate(operand, templates)
                if value.isTruthy { return value }
            }
            return value
        case .and(let operands):
            var value = ConditionValue.undefined
            for operand in operands {
                value = evaluate(operand, templates)
                if !value.isTruthy { return value }
            }
            return value
        case .compare(let first, let rest):
            var value = evaluate(first, templates)
            for (op, operand) in rest {
                value = .bool(compare(value, op, evaluate(operand, templates)))
            }
            return value
        case .postfix(let base, let ops):
            var value = evaluate(base, templates)
            for op in ops {
                switch op {
                case .length: value = length(of: value)
                case .index(let key): value = index(value, key)
                case .method(let method, let argument):
                    value = call(method, on: value, argument.map { evaluate($0, templates) } ?? .undefined)
                }
            }
            return value
        }
    }

    private static func compare(_ a: ConditionValue, _ op: ConditionNode.Comparison, _ b: ConditionValue) -> Bool {
        switch op {
        case .strictEqual: a.strictlyEquals(b)
        case .strictNotEqual: !a.strictlyEquals(b)
        case .equal: a.looselyEquals(b)
        case .notEqual: !a.looselyEquals(b)
        case .less: a.isLess(than: b, orEqual: false)
        case .lessOrEqual: a.isLess(than: b, orEqual: true)
        case .greater: b.isLess(than: a, orEqual: false)
        case .greaterOrEqual: b.isLess(than: a, orEqual: true)
        }
    }

    /// Unicode scalars of a string, elements of an array; else undefined.
    private static func length(of value: ConditionValue) -> ConditionValue {
        switch value {
        case .string(let s): .number(Double(s.unicodeScalars.count))
        case .array(let items): .number(Double(items.count))
        default: .undefined
        }
    }

    /// `value[key]`: an object member (a number key as its string), an array element or a string's scalar at an
    /// integer index (a number, or a string such as "0"); else undefined.
    private static func index(_ value: ConditionValue, _ key: ConditionValue) -> ConditionValue {
        switch value {
        case .object(let members):
            guard let name = key.jsString, let member = members.first(where: { $0.key == name }) else { return .undefined }
            return ConditionValue(member.value)
        case .array(let items):
            guard let n = arrayIndex(key), n < items.count else { return .undefined }
            return ConditionValue(items[n])
        case .string(let s):
            guard let n = arrayIndex(key), let c = s.unicodeScalars.dropFirst(n).first else { return .undefined }
            return .string(String(c))
        default:
            return .undefined
        }
    }

    /// A non-negative integer index: an integral number, or a canonical decimal string ("0", "12"; not "01").
    private static func arrayIndex(_ key: ConditionValue) -> Int? {
        switch key {
        case .number(let d):
            guard d >= 0, d < 9.0e15, d.rounded() == d else { return nil }
            return Int(d)
        case .string(let s):
            guard let n = Int(s), n >= 0, String(n) == s else { return nil }
            return n
        default:
            return nil
        }
    }

    /// String methods; `includes` also on arrays (element `===`), `toString` on any value but null and undefined.
    private static func call(_ method: ConditionNode.Method, on value: ConditionValue,
                             _ argument: ConditionValue) -> ConditionValue {
        if method == .toString { return value.jsString.map(ConditionValue.string) ?? .undefined }
        if case .array(let items) = value, method == .includes {
            return .bool(items.contains { ConditionValue($0).strictlyEquals(argument) })
        }
        guard case .string(let s) = value else { return .undefined }
        // JavaScript converts the argument with ToString: undefined → "undefined", null → "null".
        let needle = argument.jsString ?? (argument.isNull ? "null" : "undefined")
        switch method {
        case .includes: return .bool(TextSearch.firstMatch(of: Array(needle.utf8), in: Array(s.utf8)) != nil)
        case .startsWith: return .bool(s.utf8.starts(with: needle.utf8))
        case .endsWith: return .bool(s.utf8.reversed().starts(with: needle.utf8.reversed()))
        case .toLowerCase: return .string(s.lowercased())
        case .toUpperCase: return .string(s.uppercased())
        case .trim: return .string(ConditionValue.trimmed(s))
        case .toString: return .string(s)
        }
    }
}

extension ConditionValue {
    var isNull: Bool { if case .null = self { true } else { false } }
}
