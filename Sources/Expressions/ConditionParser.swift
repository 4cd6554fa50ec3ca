// Recursive-descent parser for the Condition grammar (SPEC §4.2) over the lexer's tokens, with the nesting limit.
// Chains of one precedence level become one n-ary node, so the tree is only as deep as the nesting. Pure; any thread.

/// Parses one token list into a `ConditionNode`.
struct ConditionParser {
    private let tokens: [ConditionToken]
    private var at = 0
    private var depth = 0

    init(tokens: [ConditionToken]) {
        self.tokens = tokens
    }

    private var token: ConditionToken { tokens[at] }

    /// The whole expression; anything after it is an error.
    mutating func parseAll() throws(ConditionSyntaxError) -> ConditionNode {
        let node = try or()
        guard token.kind == .end else {
            throw ConditionSyntaxError("expected an operator or the end, found \(describe(token))", at: token.offset)
        }
        return node
    }

    /// A parenthesised expression or a method argument: one nesting level deeper.
    private mutating func expression() throws(ConditionSyntaxError) -> ConditionNode {
        try nested { (p: inout ConditionParser) throws(ConditionSyntaxError) in try p.or() }
    }

    /// Runs `body` one nesting level deeper, failing past `Condition.maxDepth`.
    private mutating func nested(
        _ body: (inout ConditionParser) throws(ConditionSyntaxError) -> ConditionNode
    ) throws(ConditionSyntaxError) -> ConditionNode {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Condition.maxDepth else {
            throw ConditionSyntaxError("nesting deeper than \(Condition.maxDepth) levels", at: token.offset)
        }
        return try body(&self)
    }

    private mutating func or() throws(ConditionSyntaxError) -> ConditionNode {
        var operands = [try and()]
        while accept("||") { operands.append(try and()) }
        return operands.count == 1 ? operands[0] : .or(operands)
    }

    private mutating func and() throws(ConditionSyntaxError) -> ConditionNode {
        var operands = [try equality()]
        while accept("&&") { operands.append(try equality()) }
        return operands.count == 1 ? operands[0] : .and(operands)
    }

    private mutating func equality() throws(ConditionSyntaxError) -> ConditionNode {
        try chain(["===": .strictEqual, "!==": .strictNotEqual, "==": .equal, "!=": .notEqual]) {
            (p: inout ConditionParser) throws(ConditionSyntaxError) in try p.relational()
        }
    }

    private mutating func relational() throws(ConditionSyntaxError) -> ConditionNode {
        try chain(["<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual]) {
            (p: inout ConditionParser) throws(ConditionSyntaxError) in try p.unary()
        }
    }

    /// `operand { op operand }`, left-associative.
    private mutating func chain(
        _ ops: [String: ConditionNode.Comparison],
        _ operand: (inout ConditionParser) throws(ConditionSyntaxError) -> ConditionNode
    ) throws(ConditionSyntaxError) -> ConditionNode {
        let first = try operand(&self)
        var rest: [(ConditionNode.Comparison, ConditionNode)] = []
        while case .symbol(let s) = token.kind, let op = ops[s] {
            at += 1
            rest.append((op, try operand(&self)))
        }
        return rest.isEmpty ? first : .compare(first, rest)
    }

    private mutating func unary() throws(ConditionSyntaxError) -> ConditionNode {
        if accept("!") {
            return .not(try nested { (p: inout ConditionParser) throws(ConditionSyntaxError) in try p.unary() })
        }
        if accept("-") {
            guard case .number(let n) = token.kind else {
                throw ConditionSyntaxError("expected a number after \"-\"", at: token.offset)
            }
            at += 1
            return .literal(.number(-n))
        }
        return try postfix()
    }

    private mutating func postfix() throws(ConditionSyntaxError) -> ConditionNode {
        let base = try primary()
        var ops: [ConditionNode.Postfix] = []
        while true {
            if accept(".") {
                guard case .name(let name) = token.kind,
                      name == "length" || ConditionNode.Method(rawValue: name) != nil else {
                    throw ConditionSyntaxError("expected \"length\" or a method name after \".\"", at: token.offset)
                }
                at += 1
                guard let method = ConditionNode.Method(rawValue: name) else {
                    ops.append(.length)
                    continue
                }
                try expect("(")
                var argument: ConditionNode?
                if !accept(")") {
                    argument = try expression()
                    try expect(")")
                }
                ops.append(.method(method, argument))
            } else if accept("[") {
                switch token.kind {
                case .number(let n): ops.append(.index(.number(n)))
                case .string(let s): ops.append(.index(.string(s)))
                default: throw ConditionSyntaxError("expected a number or a string after \"[\"", at: token.offset)
                }
                at += 1
                try expect("]")
            } else {
                return ops.isEmpty ? base : .postfix(base, ops)
            }
        }
    }

    private mutating func primary() throws(ConditionSyntaxError) -> ConditionNode {
        let t = token
        switch t.kind {
        case .template(let n): at += 1; return .template(n)
        case .string(let s): at += 1; return .literal(.string(s))
        case .number(let n): at += 1; return .literal(.number(n))
        case .name("true"): at += 1; return .literal(.bool(true))
        case .name("false"): at += 1; return .literal(.bool(false))
        case .name("null"): at += 1; return .literal(.null)
        case .name("undefined"): at += 1; return .literal(.undefined)
        case .symbol("("):
            at += 1
            let inner = try expression()
            try expect(")")
            return inner
        case .name(let name):
            throw ConditionSyntaxError("unknown name \(ConditionSyntaxError.quote(name))", at: t.offset)
        default:
            throw ConditionSyntaxError("expected a value, found \(describe(t))", at: t.offset)
        }
    }

    private mutating func accept(_ symbol: String) -> Bool {
        guard token.kind == .symbol(symbol) else { return false }
        at += 1
        return true
    }

    private mutating func expect(_ symbol: String) throws(ConditionSyntaxError) {
        guard accept(symbol) else {
            throw ConditionSyntaxError("expected \(ConditionSyntaxError.quote(symbol))", at: token.offset)
        }
    }

    private func describe(_ t: ConditionToken) -> String {
        switch t.kind {
        case .end: "the end"
        case .symbol(let s), .name(let s): ConditionSyntaxError.quote(s)
        case .string: "a string"
        case .number: "a number"
        case .template: "a template"
        }
    }
}
