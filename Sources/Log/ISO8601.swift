// ISO-8601 UTC timestamps with milliseconds (`2025-01-15T10:00:00.000Z`), formatted and parsed without Foundation. Pure; any thread.
import System
#if canImport(Glibc)
import Glibc
#endif

public enum ISO8601 {
    /// Wall-clock milliseconds since the Unix epoch.
    public static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    public static func format(milliseconds ms: Int64) -> String {
        var out = [UInt8]()
        out.reserveCapacity(24)
        append(milliseconds: ms, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the 24 bytes of the timestamp to `out` (no intermediate String: JSON writers on hot paths).
    public static func append(milliseconds ms: Int64, to out: inout [UInt8]) {
        var days = ms / 86_400_000
        var rem = ms % 86_400_000
        if rem < 0 { rem += 86_400_000; days -= 1 }
        let date = CivilDate(daysSinceEpoch: days)
        let (y, mo, d) = (date.year, date.month, date.day)
        let h = Int(rem / 3_600_000), mi = Int(rem / 60_000 % 60), s = Int(rem / 1000 % 60), milli = Int(rem % 1000)
        pad(Int(y), 4, &out); out.append(UInt8(ascii: "-"))
        pad(mo, 2, &out); out.append(UInt8(ascii: "-"))
        pad(d, 2, &out); out.append(UInt8(ascii: "T"))
        pad(h, 2, &out); out.append(UInt8(ascii: ":"))
        pad(mi, 2, &out); out.append(UInt8(ascii: ":"))
        pad(s, 2, &out); out.append(UInt8(ascii: "."))
        pad(milli, 3, &out); out.append(UInt8(ascii: "Z"))
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SS.mmmZ` (milliseconds optional). Nil for anything else.
    public static func parse(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        guard b.count == 24 || b.count == 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                let c = b[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[b.count - 1] == UInt8(ascii: "Z"),
              let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let sec = num(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 60 else { return nil }
        var ms = 0
        if b.count == 24 {
            guard b[19] == UInt8(ascii: "."), let m = num(20, 3) else { return nil }
            ms = m
        }
        let days = CivilDate(year: Int64(y), month: mo, day: d).daysSinceEpoch
        return days * 86_400_000 + Int64(h) * 3_600_000 + Int64(mi) * 60_000 + Int64(sec) * 1000 + Int64(ms)
    }

    @inline(__always)
    private static func pad(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var x = v
        while divisor > 0 {
            out.append(UInt8(48 + (x / divisor) % 10))
            x %= divisor
            divisor /= 10
        }
    }
}
