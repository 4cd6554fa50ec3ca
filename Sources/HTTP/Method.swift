// Request methods: the ones RFC 9110 defines plus PATCH, and any other valid token (answered 501). Immutable.

public enum Method: Sendable, Hashable {
    case get, head, post, put, delete, connect, options, trace, patch
    case other(String)

    public var name: String {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .connect: "CONNECT"
        case .options: "OPTIONS"
        case .trace: "TRACE"
        case .patch: "PATCH"
        case .other(let s): s
        }
    }

    /// True for the methods this server knows (a route without it answers 405, not 501).
    public var isKnown: Bool {
        if case .other = self { return false }
        return true
    }

    /// Parses a method token from raw bytes (already checked to be tchars).
    static func parse(_ p: UnsafeRawBufferPointer) -> Method {
        switch p.count {
        case 3:
            if p[0] == 0x47, p[1] == 0x45, p[2] == 0x54 { return .get }
            if p[0] == 0x50, p[1] == 0x55, p[2] == 0x54 { return .put }
        case 4:
            if match(p, "POST") { return .post }
            if match(p, "HEAD") { return .head }
        case 5:
            if match(p, "PATCH") { return .patch }
            if match(p, "TRACE") { return .trace }
        case 6:
            if match(p, "DELETE") { return .delete }
        case 7:
            if match(p, "OPTIONS") { return .options }
            if match(p, "CONNECT") { return .connect }
        default: break
        }
        return .other(String(decoding: p, as: UTF8.self))
    }

    public init(_ name: String) {
        let bytes = Array(name.utf8)
        self = bytes.withUnsafeBytes { Method.parse($0) }
    }

    @inline(__always)
    private static func match(_ p: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        let q = UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
        return memcmpEqual(p, q)
    }
}

@inline(__always)
func memcmpEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}
