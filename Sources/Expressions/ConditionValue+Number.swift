// JavaScript's string ↔ number conversions for the Condition language: ToNumber on strings and Number::toString.
// Pure; any thread.

extension ConditionValue {
    /// JavaScript ToNumber of a string: trimmed; "" → 0; decimal literals, `Infinity` and unsigned 0x/0o/0b integers;
    /// anything else NaN.
    static func parseNumber(_ s: String) -> Double {
        let scalars = Array(trimmed(s).unicodeScalars)
        guard !scalars.isEmpty else { return 0 }
        if scalars.count > 2, scalars[0] == "0", let radix = ["x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2][scalars[1]] {
            var value = 0.0
            for c in scalars[2...] {
                guard let digit = Int(String(c), radix: radix) else { return .nan }
                value = value * Double(radix) + Double(digit)
            }
            return value
        }
        var i = 0
        var negative = false
        if scalars[0] == "+" || scalars[0] == "-" {
            negative = scalars[0] == "-"
            i = 1
        }
        let rest = String(String.UnicodeScalarView(scalars[i...]))
        if rest == "Infinity" { return negative ? -.infinity : .infinity }
        guard let magnitude = decimal(Array(scalars[i...])) else { return .nan }
        return negative ? -magnitude : magnitude
    }

    /// `digits [ "." digits ] [ e [+-] digits ]` with at least one mantissa digit (either side of the point).
    private static func decimal(_ s: [Unicode.Scalar]) -> Double? {
        var i = 0
        func digits() -> String {
            var out = ""
            while i < s.count, ("0"..."9").contains(s[i]) { out.unicodeScalars.append(s[i]); i += 1 }
            return out
        }
        let whole = digits()
        var fraction = ""
        if i < s.count, s[i] == "." {
            i += 1
            fraction = digits()
        }
        guard !whole.isEmpty || !fraction.isEmpty else { return nil }
        var exponent = ""
        if i < s.count, s[i] == "e" || s[i] == "E" {
            i += 1
            var sign = ""
            if i < s.count, s[i] == "+" || s[i] == "-" { sign = String(s[i]); i += 1 }
            let e = digits()
            guard !e.isEmpty else { return nil }
            exponent = "e" + sign + e
        }
        guard i == s.count else { return nil }
        return Double((whole.isEmpty ? "0" : whole) + "." + (fraction.isEmpty ? "0" : fraction) + exponent)
    }

    /// `s` without leading and trailing white space, as JavaScript's `trim()`.
    static func trimmed(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }

    /// JavaScript's StrWhiteSpaceChar: Unicode white space, line terminators and the BOM.
    private static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c.properties.isWhitespace || c == "\u{FEFF}"
    }

    /// JavaScript Number::toString: shortest round-trip digits; plain notation for 1e-7 < |d| < 1e21, else `1.5e+21`.
    static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 { return "0" }
        if d < 0 { return "-" + format(-d) }
        // Swift's description holds the same shortest digits, as `123.45`, `1e-05` or `1.2345e+20`.
        let text = d.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        var digits = Array(mantissa.utf8.filter { $0 != UInt8(ascii: ".") })
        var n = (mantissa.utf8.firstIndex(of: UInt8(ascii: ".")).map { mantissa.utf8.distance(from: mantissa.startIndex, to: $0) }
            ?? mantissa.utf8.count) + exponent
        while digits.first == UInt8(ascii: "0") { digits.removeFirst(); n -= 1 }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count
        let all = String(decoding: digits, as: UTF8.self)
        if k <= n && n <= 21 { return all + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 {
            return String(decoding: digits[..<n], as: UTF8.self) + "." + String(decoding: digits[n...], as: UTF8.self)
        }
        if -6 < n && n <= 0 { return "0." + String(repeating: "0", count: -n) + all }
        let e = n - 1
        let suffix = "e" + (e < 0 ? "-" : "+") + String(abs(e))
        if k == 1 { return all + suffix }
        return String(decoding: digits[..<1], as: UTF8.self) + "." + String(decoding: digits[1...], as: UTF8.self) + suffix
    }
}
