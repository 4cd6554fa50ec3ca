// Byte classes of HTTP syntax (RFC 9110 §5.6.2) shared by the server's parser and the client's response parser.
// Pure; any thread.

/// Character tests over single bytes.
public enum HTTPChar {
    /// tchar per RFC 9110 §5.6.2: the bytes of a token (method, field name, transfer coding).
    @inlinable @inline(__always)
    public static func isTChar(_ b: UInt8) -> Bool { tcharTable[Int(b)] }

    @inlinable @inline(__always) public static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    @inlinable @inline(__always) public static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 97 && (b | 0x20) <= 122 }
    @inlinable @inline(__always)
    public static func isHexDigit(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= 97 && (b | 0x20) <= 102) }

    /// The value of a hex digit, either case; nil for any other byte.
    @inlinable
    public static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: b - 48
        case 65...70: b - 55
        case 97...102: b - 87
        default: nil
        }
    }

    @usableFromInline
    static let tcharTable: [Bool] = {
        var t = [Bool](repeating: false, count: 256)
        for b in UInt8(ascii: "0")...UInt8(ascii: "9") { t[Int(b)] = true }
        for b in UInt8(ascii: "a")...UInt8(ascii: "z") { t[Int(b)] = true }
        for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { t[Int(b)] = true }
        for c in "!#$%&'*+-.^_`|~".utf8 { t[Int(c)] = true }
        return t
    }()
}
