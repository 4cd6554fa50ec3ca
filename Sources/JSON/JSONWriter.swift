// Compact JSON serialisation straight into a byte buffer (no Foundation, no intermediate strings). Pure; any thread.

extension JSON {
    /// Compact UTF-8 bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(to: &out)
        return out
    }

    /// Compact text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends the compact serialisation to `out`.
    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): JSONWriter.appendInt(i, to: &out)
        case .double(let d): JSONWriter.appendDouble(d, to: &out)
        case .string(let s): JSONWriter.appendString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (n, m) in members.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(m.key, to: &out)
                out.append(UInt8(ascii: ":"))
                m.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// Low-level pieces for writing JSON directly (used by hand-written encoders on hot paths).
public enum JSONWriter {
    private static let hex = Array("0123456789abcdef".utf8)

    public static func appendString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendString(utf8: $0, to: &out) }
    }

    /// Bytes that need an escape: `"`, `\` and control characters.
    private static let needsEscape: [Bool] = {
        var t = [Bool](repeating: false, count: 256)
        for b in 0..<0x20 { t[b] = true }
        t[0x22] = true
        t[0x5C] = true
        return t
    }()

    /// Appends valid UTF-8 `bytes` as a JSON string; runs without escapes are copied in one go.
    public static func appendString(utf8 bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if needsEscape[Int(b)] {
                if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                switch b {
                case UInt8(ascii: "\""): out.append(0x5C); out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
                case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
                case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
                default:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
                }
                runStart = i + 1
            }
            i += 1
        }
        if n > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<n])) }
        out.append(UInt8(ascii: "\""))
    }

    public static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        if v == 0 { out.append(48); return }
        var x = v.magnitude
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        while x > 0 { digits.append(UInt8(48 + x % 10)); x /= 10 }
        if v < 0 { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: digits.reversed())
    }

    /// Integral values print without a fraction (as JavaScript does); non-finite values print as null.
    public static func appendDouble(_ d: Double, to out: inout [UInt8]) {
        guard d.isFinite else { out.append(contentsOf: "null".utf8); return }
        if d.rounded() == d && abs(d) < 1e15 {
            appendInt(Int64(d), to: &out)
            return
        }
        out.append(contentsOf: d.description.utf8)
    }

    public static func appendNullableString(_ s: String?, to out: inout [UInt8]) {
        if let s { appendString(s, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }
}
