// IMF-fixdate for the `Date` header (RFC 9110 §5.6.7), cached per event loop and re-rendered once a second. Loop thread only.
#if canImport(Glibc)
import Glibc
#endif

struct HTTPDate {
    private(set) var line: [UInt8] = []   // "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
    private var second: Int = -1

    /// Refreshes the cached line if the wall-clock second changed.
    mutating func refresh() {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        let now = Int(ts.tv_sec)
        if now == second { return }
        second = now
        line = Array("Date: \(HTTPDate.format(seconds: now))\r\n".utf8)
    }

    static func format(seconds: Int) -> String {
        let days = seconds / 86400
        let rem = seconds % 86400
        let (y, m, d) = civil(days)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days % 7]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m - 1]
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(weekday), \(two(d)) \(month) \(y) \(two(rem / 3600)):\(two(rem / 60 % 60)):\(two(rem % 60)) GMT"
    }

    private static func civil(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
