// IMF-fixdate for the `Date` header (RFC 9110 §5.6.7), cached per event loop and re-rendered once a second. Loop thread only.
import System
#if canImport(Glibc)
import Glibc
#endif

/// The `Date` header line, rendered at most once per wall-clock second.
public struct HTTPDate: Sendable {
    public private(set) var line: [UInt8] = []   // "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
    private var second: Int = -1

    public init() {}

    /// Refreshes the cached line if the wall-clock second changed.
    public mutating func refresh() {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        let now = Int(ts.tv_sec)
        if now == second { return }
        second = now
        line = Array("Date: \(HTTPDate.format(seconds: now))\r\n".utf8)
    }

    /// IMF-fixdate of `seconds` since the epoch (not before 1970): `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func format(seconds: Int) -> String {
        let days = seconds / 86400
        let rem = seconds % 86400
        let date = CivilDate(daysSinceEpoch: Int64(days))
        let (y, m, d) = (date.year, date.month, date.day)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days % 7]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m - 1]
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(weekday), \(two(d)) \(month) \(y) \(two(rem / 3600)):\(two(rem / 60 % 60)):\(two(rem % 60)) GMT"
    }
}
