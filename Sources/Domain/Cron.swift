// Five-field cron expressions (SPEC §11): `*`, lists, ranges, steps, month and day names, 0/7 = Sunday, macros,
// and Vixie cron's day rule. Pure value type; any thread.

/// A parsed cron expression: one bit per allowed value in each field.
public struct Cron: Sendable, Equatable {
    public var minutes: UInt64 = 0      // bits 0...59
    public var hours: UInt32 = 0        // bits 0...23
    public var daysOfMonth: UInt32 = 0  // bits 1...31
    public var months: UInt16 = 0       // bits 1...12
    public var daysOfWeek: UInt8 = 0    // bits 0...6 (7 folds into 0)
    /// A day field is restricted unless it begins with `*`; when both are restricted either may match.
    public var daysOfMonthRestricted = false
    public var daysOfWeekRestricted = false

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let detail: String
        public var description: String { detail }
    }

    public static let macros: [String: String] = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *",
    ]
    public static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    public static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public init(parsing text: String) throws(ParseError) {
        var expr = text.trimmed
        if expr.hasPrefix("@") {
            guard let m = Cron.macros[expr.lowercased()] else { throw ParseError(detail: "unknown macro \(expr)") }
            expr = m
        }
        let fields = expr.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else { throw ParseError(detail: "expected 5 fields, got \(fields.count)") }
        minutes = try Cron.field(fields[0], name: "minute", range: 0...59, names: nil)
        hours = UInt32(try Cron.field(fields[1], name: "hour", range: 0...23, names: nil))
        daysOfMonth = UInt32(try Cron.field(fields[2], name: "day-of-month", range: 1...31, names: nil))
        months = UInt16(try Cron.field(fields[3], name: "month", range: 1...12, names: (Cron.monthNames, 1)))
        let dow = try Cron.field(fields[4], name: "day-of-week", range: 0...7, names: (Cron.dayNames, 0))
        daysOfWeek = UInt8(truncatingIfNeeded: (dow | (dow >> 7)) & 0x7F)
        daysOfMonthRestricted = !fields[2].hasPrefix("*")
        daysOfWeekRestricted = !fields[4].hasPrefix("*")
    }

    /// Parses one field into a bit set over `range`.
    private static func field(_ text: String, name: String, range: ClosedRange<Int>,
                              names: ([String], Int)?) throws(ParseError) -> UInt64 {
        var bits: UInt64 = 0
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw ParseError(detail: "empty list item in \(name) field") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw ParseError(detail: "invalid step in \(name) field: \(part)") }
            var step = 1
            if pieces.count == 2 {
                guard pieces[1].allSatisfy({ $0.isASCII && $0.isNumber }), let s = Int(pieces[1]), s > 0,
                      s <= range.upperBound + 1 else {
                    throw ParseError(detail: "invalid step in \(name) field: \(part)")
                }
                step = s
            }
            let base = pieces[0]
            var lo: Int, hi: Int
            if base == "*" {
                lo = range.lowerBound; hi = range.upperBound
            } else if let dash = base.firstIndex(of: "-") {
                lo = try value(base[..<dash], name: name, range: range, names: names)
                hi = try value(base[base.index(after: dash)...], name: name, range: range, names: names)
                guard lo <= hi else { throw ParseError(detail: "invalid range in \(name) field: \(base)") }
            } else {
                lo = try value(base, name: name, range: range, names: names)
                hi = pieces.count == 2 ? range.upperBound : lo   // `5/15` = from 5 to the end, every 15
            }
            var v = lo
            while v <= hi {
                bits |= 1 << UInt64(v)
                v += step
            }
        }
        return bits
    }

    private static func value(_ s: Substring, name: String, range: ClosedRange<Int>, names: ([String], Int)?) throws(ParseError) -> Int {
        if let n = Int(s), s.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard range.contains(n) else {
                throw ParseError(detail: "\(name) value \(n) out of range (\(range.lowerBound)-\(range.upperBound))")
            }
            return n
        }
        if let (list, offset) = names, let i = list.firstIndex(of: s.uppercased()) { return i + offset }
        throw ParseError(detail: "invalid \(name) value: \(s)")
    }

    /// Whether the local wall-clock time matches.
    public func matches(minute: Int, hour: Int, day: Int, month: Int, weekday: Int) -> Bool {
        guard minutes & (1 << UInt64(minute)) != 0, hours & (1 << UInt32(hour)) != 0, months & (1 << UInt16(month)) != 0 else {
            return false
        }
        let domOK = daysOfMonth & (1 << UInt32(day)) != 0
        let dowOK = daysOfWeek & (1 << UInt8(weekday)) != 0
        if daysOfMonthRestricted && daysOfWeekRestricted { return domOK || dowOK }
        return domOK && dowOK
    }
}
