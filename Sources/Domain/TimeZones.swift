// Time-zone identifiers the server's time-zone database lists (tzdata.zi zones and links), plus `UTC`.
// Loaded once, lazily; immutable afterwards; any thread.

public enum TimeZones {
    public static let zoneinfo = "/usr/share/zoneinfo"

    /// Every listed identifier.
    public static let known: Set<String> = {
        var names: Set<String> = ["UTC"]
        guard let text = TextFile.read(zoneinfo + "/tzdata.zi") else { return names }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count >= 2, f[0] == "Z" { names.insert(String(f[1])) }
            if f.count >= 3, f[0] == "L" { names.insert(String(f[2])) }
        }
        return names
    }()

    /// True for `UTC` and identifiers the database lists; when no list is installed, for names with a TZif file.
    public static func isValid(_ tz: String) -> Bool {
        if known.count > 1 { return known.contains(tz) }
        guard !tz.isEmpty, !tz.hasPrefix("/"), !tz.contains(".."), tz.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            return false
        }
        guard let head = TextFile.read(zoneinfo + "/" + tz, limit: 4) else { return false }
        return head == "TZif"
    }
}
