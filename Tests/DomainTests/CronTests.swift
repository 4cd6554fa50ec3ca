// Cron parsing and matching (SPEC §11) and time-zone validation: every valid form and each invalid kind.
import Testing
@testable import Domain

/// A wall-clock time for `Cron.matches`; weekday 0 = Sunday.
struct T: CustomStringConvertible {
    var minute = 0, hour = 0, day = 1, month = 1, weekday = 0
    var description: String { "\(month)/\(day) \(hour):\(minute) wd\(weekday)" }
}

extension Cron {
    func matches(_ t: T) -> Bool { matches(minute: t.minute, hour: t.hour, day: t.day, month: t.month, weekday: t.weekday) }

    /// The values of one field that match when every other field is held at a matching value.
    func minutesMatching(hour: Int = 0, day: Int = 1, month: Int = 1, weekday: Int = 0) -> [Int] {
        (0...59).filter { matches(minute: $0, hour: hour, day: day, month: month, weekday: weekday) }
    }
}

@Suite struct CronParsingTests {
    static func cron(_ s: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Cron {
        do { return try Cron(parsing: s) } catch {
            Issue.record("\(s): \(error.detail)", sourceLocation: sourceLocation)
            throw error
        }
    }

    @Test func everyMinute() throws {
        let c = try Self.cron("* * * * *")
        for t in [T(), T(minute: 59, hour: 23, day: 31, month: 12, weekday: 6), T(minute: 30, hour: 12, day: 15, month: 6, weekday: 3)] {
            #expect(c.matches(t), "\(t)")
        }
        #expect(!c.daysOfMonthRestricted && !c.daysOfWeekRestricted)
    }

    @Test func listsRangesAndSteps() throws {
        #expect(try Self.cron("0,15,30,45 * * * *").minutesMatching() == [0, 15, 30, 45])
        #expect(try Self.cron("*/15 * * * *").minutesMatching() == [0, 15, 30, 45])
        #expect(try Self.cron("1-5/2 * * * *").minutesMatching() == [1, 3, 5])
        #expect(try Self.cron("10-12 * * * *").minutesMatching() == [10, 11, 12])
        #expect(try Self.cron("7 * * * *").minutesMatching() == [7])
        #expect(try Self.cron("0-59/30,5,50-52 * * * *").minutesMatching() == [0, 5, 30, 50, 51, 52])
        #expect(try Self.cron("*/7 * * * *").minutesMatching() == [0, 7, 14, 21, 28, 35, 42, 49, 56])
        #expect(try Self.cron("3-3 * * * *").minutesMatching() == [3])
        let hours = try Self.cron("0 9-17/4 * * *")
        #expect((0...23).filter { hours.matches(T(hour: $0)) } == [9, 13, 17])
        let months = try Self.cron("0 0 1 */3 *")
        #expect((1...12).filter { months.matches(T(day: 1, month: $0, weekday: 3)) } == [1, 4, 7, 10])
        // Extremes of every field.
        let edge = try Self.cron("59 23 31 12 6")
        #expect(edge.matches(T(minute: 59, hour: 23, day: 31, month: 12, weekday: 6)))
        #expect(!edge.matches(T(minute: 58, hour: 23, day: 31, month: 12, weekday: 6)))
        // Fields may be separated by several spaces or tabs, and the expression is trimmed.
        #expect(try Self.cron("  0  9\t* *   1 ") == Self.cron("0 9 * * 1"))
    }

    @Test func monthAndDayNames() throws {
        let m = try Self.cron("0 0 1 JAN,jun,Dec *")
        #expect((1...12).filter { m.matches(T(month: $0)) } == [1, 6, 12])
        #expect(try Self.cron("0 0 1 feb-APR *") == Self.cron("0 0 1 2-4 *"))
        #expect(try Self.cron("0 0 * * MON-FRI") == Self.cron("0 0 * * 1-5"))
        #expect(try Self.cron("0 0 * * sun,Sat") == Self.cron("0 0 * * 0,6"))
        let names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        for (i, n) in names.enumerated() {
            #expect(try Self.cron("0 0 * * \(n.lowercased())") == Self.cron("0 0 * * \(i)"))
        }
        let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        for (i, n) in months.enumerated() { #expect(try Self.cron("0 0 1 \(n) *") == Self.cron("0 0 1 \(i + 1) *")) }
    }

    @Test func zeroAndSevenAreSunday() throws {
        #expect(try Self.cron("0 0 * * 7") == Self.cron("0 0 * * 0"))
        let c = try Self.cron("0 0 * * 7")
        #expect(c.matches(T(day: 5, weekday: 0)))
        #expect(!c.matches(T(day: 6, weekday: 1)))
        let weekend = try Self.cron("0 0 * * 5-7")
        #expect((0...6).filter { weekend.matches(T(weekday: $0)) } == [0, 5, 6])
        let all = try Self.cron("0 0 * * 0-7")
        #expect((0...6).allSatisfy { all.matches(T(weekday: $0)) })
    }

    @Test func macros() throws {
        #expect(try Self.cron("@hourly") == Self.cron("0 * * * *"))
        #expect(try Self.cron("@daily") == Self.cron("0 0 * * *"))
        #expect(try Self.cron("@weekly") == Self.cron("0 0 * * 0"))
        #expect(try Self.cron("@monthly") == Self.cron("0 0 1 * *"))
        #expect(try Self.cron("@yearly") == Self.cron("0 0 1 1 *"))
        let weekly = try Self.cron("@weekly")
        #expect(weekly.matches(T(day: 4, weekday: 0)) && !weekly.matches(T(day: 5, weekday: 1)))
        #expect(try Self.cron(" @daily ") == Self.cron("0 0 * * *"))
    }

    @Test func vixieDayRule() throws {
        // Both day fields restricted: either may match.
        let either = try Self.cron("0 0 13 * FRI")
        #expect(either.daysOfMonthRestricted && either.daysOfWeekRestricted)
        #expect(either.matches(T(day: 13, weekday: 1)))    // the 13th, a Monday
        #expect(either.matches(T(day: 5, weekday: 5)))     // a Friday, the 5th
        #expect(!either.matches(T(day: 5, weekday: 1)))
        // Only one restricted: that one decides.
        let dom = try Self.cron("0 0 1 * *")
        #expect(dom.matches(T(day: 1, weekday: 3)) && !dom.matches(T(day: 2, weekday: 3)))
        let dow = try Self.cron("0 0 * * 1")
        #expect(dow.matches(T(day: 2, weekday: 1)) && !dow.matches(T(day: 1, weekday: 3)))
        // A field starting with `*` is unrestricted even with a step: `*/2` AND Monday.
        let stepped = try Self.cron("0 0 */2 * MON")
        #expect(!stepped.daysOfMonthRestricted && stepped.daysOfWeekRestricted)
        #expect(stepped.matches(T(day: 3, weekday: 1)))
        #expect(!stepped.matches(T(day: 2, weekday: 1)))   // even day
        #expect(!stepped.matches(T(day: 3, weekday: 2)))   // not Monday
        let steppedDow = try Self.cron("0 0 15 * */2")
        #expect(steppedDow.daysOfMonthRestricted && !steppedDow.daysOfWeekRestricted)
        #expect(steppedDow.matches(T(day: 15, weekday: 2)) && !steppedDow.matches(T(day: 15, weekday: 1)))
        #expect(!steppedDow.matches(T(day: 14, weekday: 2)))
        // A full explicit range still counts as restricted (it does not begin with `*`).
        let full = try Self.cron("0 0 1-31 * 1")
        #expect(full.matches(T(day: 9, weekday: 3)))
    }

    @Test func otherFieldsMustMatch() throws {
        let c = try Self.cron("30 9 * 6 *")
        #expect(c.matches(T(minute: 30, hour: 9, day: 10, month: 6, weekday: 2)))
        #expect(!c.matches(T(minute: 31, hour: 9, day: 10, month: 6, weekday: 2)))
        #expect(!c.matches(T(minute: 30, hour: 10, day: 10, month: 6, weekday: 2)))
        #expect(!c.matches(T(minute: 30, hour: 9, day: 10, month: 7, weekday: 2)))
    }

    @Test(arguments: [
        // Wrong field count.
        ("", "expected 5 fields, got 0"), ("   ", "expected 5 fields, got 0"), ("* * * *", "expected 5 fields, got 4"),
        ("* * * * * *", "expected 5 fields, got 6"), ("0 9 * * * 2025", "expected 5 fields, got 6"),
        // Out of range.
        ("60 * * * *", "minute value 60 out of range (0-59)"), ("* 24 * * *", "hour value 24 out of range (0-23)"),
        ("* * 0 * *", "day-of-month value 0 out of range (1-31)"), ("* * 32 * *", "day-of-month value 32 out of range (1-31)"),
        ("* * * 0 *", "month value 0 out of range (1-12)"), ("* * * 13 *", "month value 13 out of range (1-12)"),
        ("* * * * 8", "day-of-week value 8 out of range (0-7)"), ("0-60 * * * *", "minute value 60 out of range (0-59)"),
        // Bad steps.
        ("*/0 * * * *", "invalid step in minute field: */0"), ("*/ * * * *", "invalid step in minute field: */"),
        ("*/x * * * *", "invalid step in minute field: */x"), ("1/2/3 * * * *", "invalid step in minute field: 1/2/3"),
        ("*/-1 * * * *", "invalid step in minute field: */-1"),
        ("*/+5 * * * *", "invalid step in minute field: */+5"), ("*/61 * * * *", "invalid step in minute field: */61"), ("* */0 * * *", "invalid step in hour field: */0"),
        // Reversed ranges.
        ("5-1 * * * *", "invalid range in minute field: 5-1"), ("* * * DEC-JAN *", "invalid range in month field: DEC-JAN"),
        ("* * * * FRI-MON", "invalid range in day-of-week field: FRI-MON"),
        // Empty list items.
        ("1,,2 * * * *", "empty list item in minute field"), (",1 * * * *", "empty list item in minute field"),
        ("* * * * 1,", "empty list item in day-of-week field"),
        // Unknown names and other junk values.
        ("* * * JANUARY *", "invalid month value: JANUARY"), ("* * * * FUNDAY", "invalid day-of-week value: FUNDAY"),
        ("MON * * * *", "invalid minute value: MON"), ("* * * MON *", "invalid month value: MON"),
        ("* * JAN * *", "invalid day-of-month value: JAN"), ("a * * * *", "invalid minute value: a"),
        ("+5 * * * *", "invalid minute value: +5"), ("-5 * * * *", "invalid minute value: "), ("? * * * *", "invalid minute value: ?"),
        // Unknown macros.
        ("@reboot", "unknown macro @reboot"), ("@every 5m", "unknown macro @every 5m"), ("@", "unknown macro @"),
        ("@annually", "unknown macro @annually"),
    ])
    func invalid(_ text: String, _ detail: String) {
        #expect(throws: Cron.ParseError(detail: detail)) { try Cron(parsing: text) }
    }
}

@Suite struct TimeZoneTests {
    @Test(arguments: ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Etc/GMT+5", "US/Eastern", "Australia/Lord_Howe"])
    func valid(_ tz: String) {
        #expect(TimeZones.isValid(tz))
    }

    @Test(arguments: ["utc", "GMT+5", "Mars/Base", "../etc/passwd", "", "europe/berlin", "Europe/Berlin ", " UTC",
                      "/usr/share/zoneinfo/UTC", "Europe/../UTC", "Europe", "America/New York", "+05:00", "EST5EDT,M3.2.0,M11.1.0",
                      "tzdata.zi", "zone.tab"])
    func invalid(_ tz: String) {
        #expect(!TimeZones.isValid(tz))
    }

    @Test func databaseIsListed() {
        // The server's database was found and read, so validation is by list, not by file probing.
        #expect(TimeZones.known.count > 300)
    }
}
