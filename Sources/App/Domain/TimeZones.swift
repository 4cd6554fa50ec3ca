// Time-zone identifiers the server's time-zone database lists (tzdata.zi zones and links), plus `UTC`.
// Loaded once, lazily; immutable afterwards; any thread.
#if canImport(Glibc)
import Glibc
#endif

enum TimeZones {
    static let zoneinfo = "/usr/share/zoneinfo"

    /// Every listed identifier.
    static let known: Set<String> = {
        var names: Set<String> = ["UTC"]
        guard let text = readFile(zoneinfo + "/tzdata.zi") else { return names }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count >= 2, f[0] == "Z" { names.insert(String(f[1])) }
            if f.count >= 3, f[0] == "L" { names.insert(String(f[2])) }
        }
        return names
    }()

    /// True for `UTC` and identifiers the database lists; when no list is installed, for names with a TZif file.
    static func isValid(_ tz: String) -> Bool {
        if known.count > 1 { return known.contains(tz) }
        guard !tz.isEmpty, !tz.hasPrefix("/"), !tz.contains(".."), tz.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            return false
        }
        guard let head = readFile(zoneinfo + "/" + tz, limit: 4) else { return false }
        return head == "TZif"
    }

    static func readFile(_ path: String, limit: Int = 1 << 22) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            let n = read(fd, &buf, min(buf.count, limit - out.count))
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
