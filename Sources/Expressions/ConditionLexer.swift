// Splits a condition expression (SPEC §4.2) into tokens: templates, strings, numbers, names and operators. Positions
// are 0-based Unicode scalar offsets into the expression. Pure; any thread.

/// One token and where it starts.
struct ConditionToken {
    enum Kind: Equatable {
        case template(Int)       // index into the lexer's `templates`
        case string(String)
        case number(Double)
        case name(String)
        case symbol(String)      // ( ) [ ] . , ! - === !== == != <= >= < > && ||
        case end
    }
    let kind: Kind
    let offset: Int
}

/// Tokenises one expression at construction; `tokens` ends with `.end`.
struct ConditionLexer {
    private(set) var tokens: [ConditionToken] = []
    private(set) var templates: [TemplateReference] = []
    private let text: String
    private var i: String.Index
    private var offset = 0

    private static let symbols = ["===", "!==", "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "-", "(", ")", "[", "]", ".", ","]

    init(_ text: String) throws(ConditionSyntaxError) {
        self.text = text
        i = text.unicodeScalars.startIndex
        try run()
    }

    private var scalars: String.UnicodeScalarView { text.unicodeScalars }
    private var current: Unicode.Scalar? { i < scalars.endIndex ? scalars[i] : nil }

    private mutating func advance() {
        i = scalars.index(after: i)
        offset += 1
    }

    private mutating func run() throws(ConditionSyntaxError) {
        while let c = current {
            if c.properties.isWhitespace { advance(); continue }
            let start = offset
            if c == "{" {
                guard let ref = TemplateReference.scan(scalars, at: i) else {
                    throw ConditionSyntaxError("invalid template (expected {{@node:Label.path}})", at: start)
                }
                templates.append(ref)
                while i < ref.range.upperBound { advance() }
                tokens.append(ConditionToken(kind: .template(templates.count - 1), offset: start))
            } else if c == "\"" || c == "'" {
                tokens.append(ConditionToken(kind: .string(try string(quote: c)), offset: start))
            } else if ("0"..."9").contains(c) {
                tokens.append(ConditionToken(kind: .number(try number()), offset: start))
            } else if c.properties.isAlphabetic || c == "_" || c == "$" {
                var name = ""
                while let d = current, d.properties.isAlphabetic || ("0"..."9").contains(d) || d == "_" || d == "$" {
                    name.unicodeScalars.append(d)
                    advance()
                }
                tokens.append(ConditionToken(kind: .name(name), offset: start))
            } else if let symbol = ConditionLexer.symbols.first(where: { hasPrefix($0) }) {
                for _ in symbol.unicodeScalars { advance() }
                tokens.append(ConditionToken(kind: .symbol(symbol), offset: start))
            } else {
                throw ConditionSyntaxError("unexpected \(ConditionSyntaxError.quote(c))", at: start)
            }
        }
        tokens.append(ConditionToken(kind: .end, offset: offset))
    }

    private func hasPrefix(_ symbol: String) -> Bool {
        var j = i
        for s in symbol.unicodeScalars {
            guard j < scalars.endIndex, scalars[j] == s else { return false }
            j = scalars.index(after: j)
        }
        return true
    }

    /// A quoted string with escapes `\" \' \\ \n \t \uXXXX`; the cursor is on the opening quote.
    private mutating func string(quote: Unicode.Scalar) throws(ConditionSyntaxError) -> String {
        let start = offset
        advance()
        var out = String.UnicodeScalarView()
        while let c = current {
            if c == quote {
                advance()
                return String(out)
            }
            if c != "\\" {
                out.append(c)
                advance()
                continue
            }
            let escapeAt = offset
            advance()
            switch current {
            case "\""?: out.append("\"")
            case "'"?: out.append("'")
            case "\\"?: out.append("\\")
            case "n"?: out.append("\n")
            case "t"?: out.append("\t")
            case "u"?:
                var value: UInt32 = 0
                for _ in 0..<4 {
                    advance()
                    guard let h = current, let digit = UInt32(String(h), radix: 16) else {
                        throw ConditionSyntaxError("expected 4 hex digits after \\u", at: escapeAt)
                    }
                    value = value * 16 + digit
                }
                // A lone surrogate half has no scalar; it becomes U+FFFD rather than an error.
                out.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            case nil: continue
            case let other?: throw ConditionSyntaxError("invalid escape \\\(other)", at: escapeAt)
            }
            advance()
        }
        throw ConditionSyntaxError("unterminated string", at: start)
    }

    /// `digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ]`; a `.` not followed by a digit ends the number.
    private mutating func number() throws(ConditionSyntaxError) -> Double {
        var literal = ""
        func digits(_ lexer: inout ConditionLexer) {
            while let d = lexer.current, ("0"..."9").contains(d) { literal.unicodeScalars.append(d); lexer.advance() }
        }
        digits(&self)
        if current == ".", let next = peek(1), ("0"..."9").contains(next) {
            literal += "."
            advance()
            digits(&self)
        }
        if current == "e" || current == "E" {
            literal += "e"
            advance()
            if let sign = current, sign == "+" || sign == "-" { literal.unicodeScalars.append(sign); advance() }
            guard let d = current, ("0"..."9").contains(d) else {
                throw ConditionSyntaxError("expected exponent digits", at: offset)
            }
            digits(&self)
        }
        return Double(literal) ?? .nan
    }

    private func peek(_ n: Int) -> Unicode.Scalar? {
        var j = i
        for _ in 0..<n {
            guard j < scalars.endIndex else { return nil }
            j = scalars.index(after: j)
        }
        return j < scalars.endIndex ? scalars[j] : nil
    }
}
