// The JavaScript-like values of the Condition language (SPEC §4.2) and their conversions: truthiness, ToNumber,
// ToString, equality. Pure; any thread.
import JSON

/// A value during condition evaluation. Arrays and objects keep their JSON form.
public enum ConditionValue: Sendable {
    case undefined
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(key: String, value: JSON)])

    /// The value a template or member holds: JSON null → null, ints → numbers.
    public init(_ json: JSON) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .number(Double(i))
        case .double(let d): self = .number(d)
        case .string(let s): self = .string(s)
        case .array(let items): self = .array(items)
        case .object(let members): self = .object(members)
        }
    }

    /// The value as JSON for the step log: undefined and NaN/±Infinity → null, integral numbers as ints.
    public var json: JSON {
        switch self {
        case .undefined, .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let d):
            guard d.isFinite else { return .null }
            if d.rounded() == d, abs(d) < 9.0e15 { return .int(Int64(d)) }
            return .double(d)
        case .string(let s): return .string(s)
        case .array(let items): return .array(items)
        case .object(let members): return .object(members)
        }
    }

    /// JavaScript truthiness: false, 0, NaN, "", null and undefined are falsy; everything else, [] and {} too, truthy.
    public var isTruthy: Bool {
        switch self {
        case .undefined, .null: false
        case .bool(let b): b
        case .number(let d): !(d == 0 || d.isNaN)
        case .string(let s): !s.isEmpty
        case .array, .object: true
        }
    }

    /// `===`: same type and equal; numbers by IEEE (NaN !== NaN); arrays and objects deeply (object key order ignored).
    func strictlyEquals(_ other: ConditionValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): JSON.array(a) == JSON.array(b)
        case let (.object(a), .object(b)): JSON.object(a) == JSON.object(b)
        default: false
        }
    }

    /// `==`: null == undefined; a number against a string or a bool compares numerically; otherwise `===`.
    func looselyEquals(_ other: ConditionValue) -> Bool {
        switch (self, other) {
        case (.null, .undefined), (.undefined, .null): true
        case (.number, .string), (.number, .bool), (.string, .number), (.bool, .number): number == other.number
        default: strictlyEquals(other)
        }
    }

    /// `<` (`orEqual` false) or `<=`: two strings by Unicode scalar order, else numerically; any NaN → false.
    /// Arrays and objects first become their JavaScript string (`[1,2]` → "1,2"), as in JavaScript.
    func isLess(than other: ConditionValue, orEqual: Bool) -> Bool {
        let a = primitive, b = other.primitive
        if case .string(let x) = a, case .string(let y) = b {
            let order = ConditionValue.compareScalars(x, y)
            return order < 0 || (orEqual && order == 0)
        }
        let x = a.number, y = b.number
        return orEqual ? x <= y : x < y
    }

    /// JavaScript ToNumber: "" and blank → 0, null → 0, true → 1, a numeric string its value; otherwise NaN.
    var number: Double {
        switch self {
        case .undefined: .nan
        case .null: 0
        case .bool(let b): b ? 1 : 0
        case .number(let d): d
        case .string(let s): ConditionValue.parseNumber(s)
        case .array, .object: primitive.number
        }
    }

    /// Arrays and objects as their JavaScript string; other values unchanged.
    private var primitive: ConditionValue {
        switch self {
        case .array, .object: .string(jsString ?? "")
        default: self
        }
    }

    /// JavaScript ToString; nil for undefined and null (calling `toString()` on them throws in JavaScript).
    var jsString: String? {
        switch self {
        case .undefined, .null: nil
        case .bool(let b): b ? "true" : "false"
        case .number(let d): ConditionValue.format(d)
        case .string(let s): s
        case .array(let items):
            // Array.prototype.join: null and undefined elements print as "".
            items.map { item in ConditionValue(item).jsString ?? "" }.joined(separator: ",")
        case .object: "[object Object]"
        }
    }

    /// -1, 0 or 1 comparing by Unicode scalar values.
    static func compareScalars(_ a: String, _ b: String) -> Int {
        var i = a.unicodeScalars.makeIterator(), j = b.unicodeScalars.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?): if x != y { return x.value < y.value ? -1 : 1 }
            }
        }
    }
}
