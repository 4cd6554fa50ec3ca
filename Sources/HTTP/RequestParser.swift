// The request-head parser (RFC 9112 + SPEC §0): pure over caller-owned bytes, no I/O, no state beyond the scan hint.
// Runs on whichever thread calls it (event-loop threads in the server, test threads in tests).
import HTTPCore

/// Size limits the parser enforces.
public struct ParserLimits: Sendable {
    public var maxRequestLineBytes: Int
    public var maxHeaderBytes: Int

    public init(maxRequestLineBytes: Int = 8192, maxHeaderBytes: Int = 16384) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
    }
}

/// How the body of a request is delimited.
public enum BodyFraming: Sendable, Equatable {
    case none
    case length(Int)
    case chunked
}

/// A request head: everything before the body.
public struct RequestHead: Sendable {
    public var method: Method
    public var version: Version
    public var path: String
    public var query: Substring?
    public var headers: Headers
    public var framing: BodyFraming
    public var keepAlive: Bool
    public var expectContinue: Bool
}

/// Outcome of parsing a request head.
public enum HeadParseResult: Sendable {
    case needMore
    case head(RequestHead, consumed: Int)
    case invalid(Status)
}

/// Resumable scan position, so a head that arrives a byte at a time is not rescanned from the start each time.
/// Valid only while the caller re-presents the same head (same first byte, more bytes appended); reset it after each head.
public struct HeadScanState: Sendable {
    var start = 0            // first byte after the leading empty lines
    var inHead = false       // the request line has begun at `start`
    var scanned = 0          // next byte to examine; everything before it is validated and holds no complete head
    var lineStart = 0        // where the line containing `scanned` begins
    var requestLineEnd = -1  // index of the request line's LF, once seen
    #if DEBUG
    /// Bytes examined by the scan loops over this state's lifetime (tests assert the scan is linear).
    var work = 0
    #endif
    public init() {}
}

/// The request-head parser. All functions are pure.
public enum RequestParser {
    /// Largest Content-Length we represent; anything longer is over every limit.
    static let maxContentLengthDigits = 18

    /// Parses one request head at the start of `buf`. Leading empty lines (CRLF) are skipped, per RFC 9112 §2.2.
    public static func parseHead(_ buf: UnsafeRawBufferPointer, limits: ParserLimits, state: inout HeadScanState) -> HeadParseResult {
        let n = buf.count
        if state.scanned > n || state.start > n { state = HeadScanState() }   // not the buffer this state was made for
        if !state.inHead {
            // RFC 9112 §2.2: ignore empty lines before the request line, but no more of them than a request line's worth.
            var s = state.start
            while s + 1 < n, buf[s] == 0x0D, buf[s + 1] == 0x0A {
                s += 2
                #if DEBUG
                state.work += 2
                #endif
            }
            state.start = s
            if s > limits.maxRequestLineBytes { return .invalid(.badRequest) }
            if s >= n || (s + 1 == n && buf[s] == 0x0D) { return .needMore }
            state.inHead = true
            state.scanned = s
            state.lineStart = s
            state.requestLineEnd = -1
        }
        let start = state.start

        // Find the end of the head (CRLF CRLF), validating line endings on the way: every LF must follow a CR and
        // every CR must precede an LF. A CR as the last byte waits for the next one.
        var i = state.scanned
        var lineStart = state.lineStart
        var requestLineEnd = state.requestLineEnd
        var end = -1
        while i < n {
            let b = buf[i]
            if b == 0x0A {
                if i == start || buf[i - 1] != 0x0D { return .invalid(.badRequest) }   // bare LF
                if requestLineEnd < 0 { requestLineEnd = i }
                if i - 1 == lineStart { end = i + 1; break }                           // empty line: end of head
                lineStart = i + 1
            } else if b == 0x0D {
                if i + 1 == n { break }
                if buf[i + 1] != 0x0A { return .invalid(.badRequest) }                  // bare CR
            } else if b == 0 {
                return .invalid(.badRequest)
            } else if requestLineEnd < 0 && i - start >= limits.maxRequestLineBytes {
                return .invalid(.uriTooLong)                                          // request line past its limit
            }
            i += 1
            if requestLineEnd >= 0 && i - start > limits.maxHeaderBytes { return .invalid(.headerFieldsTooLarge) }
        }
        #if DEBUG
        state.work += (end < 0 ? i : end) - state.scanned
        #endif
        if end < 0 {
            state.scanned = i
            state.lineStart = lineStart
            state.requestLineEnd = requestLineEnd
            return .needMore
        }
        if end - start > limits.maxHeaderBytes { return .invalid(.headerFieldsTooLarge) }
        switch parseComplete(UnsafeRawBufferPointer(rebasing: buf[start..<end]), limits: limits) {
        case .success(let head): return .head(head, consumed: end)
        case .failure(let status): return .invalid(status)
        }
    }

    /// Parses a complete head (ending in CRLF CRLF).
    private static func parseComplete(_ h: UnsafeRawBufferPointer, limits: ParserLimits) -> Result<RequestHead, Status> {
        let n = h.count
        // Request line: method SP request-target SP HTTP-version CRLF
        var i = 0
        while i < n, HTTPChar.isTChar(h[i]) { i += 1 }
        guard i > 0, i < n, h[i] == 0x20 else { return .failure(.badRequest) }
        let method = Method.parse(UnsafeRawBufferPointer(rebasing: h[0..<i]))
        i += 1
        let targetStart = i
        while i < n, h[i] > 0x20, h[i] < 0x7F { i += 1 }
        guard i > targetStart, i < n, h[i] == 0x20 else { return .failure(.badRequest) }
        let targetEnd = i
        i += 1
        // HTTP-version = "HTTP/" DIGIT "." DIGIT, then CRLF
        guard i + 10 <= n, h[i] == 0x48, h[i + 1] == 0x54, h[i + 2] == 0x54, h[i + 3] == 0x50, h[i + 4] == 0x2F,
              HTTPChar.isDigit(h[i + 5]), h[i + 6] == 0x2E, HTTPChar.isDigit(h[i + 7]), h[i + 8] == 0x0D, h[i + 9] == 0x0A
        else { return .failure(.badRequest) }
        let major = h[i + 5] - 48, minor = h[i + 7] - 48
        guard major == 1 else { return .failure(.httpVersionNotSupported) }
        let version: Version = minor == 0 ? .http10 : .http11
        if i + 10 - 2 > limits.maxRequestLineBytes { return .failure(.uriTooLong) }
        i += 10

        guard let (path, query) = parseTarget(UnsafeRawBufferPointer(rebasing: h[targetStart..<targetEnd]), method: method) else {
            return .failure(.badRequest)
        }

        // Header fields, copied once into `storage`.
        let headerBase = i
        let storage = Array(UnsafeRawBufferPointer(rebasing: h[headerBase..<n]))
        var fields: [Headers.Field] = []
        fields.reserveCapacity(12)
        var hostCount = 0
        var hostValid = true
        var contentLength: Int? = nil   // -1: too large to represent
        var transferEncoding: [UInt8]? = nil
        var connectionClose = false
        var connectionKeepAlive = false
        var expectContinue = false

        while i < n {
            let lineStart = i
            if h[i] == 0x0D { break }   // the final empty line
            if h[i] == 0x20 || h[i] == 0x09 { return .failure(.badRequest) }   // obs-fold or leading whitespace
            while i < n, HTTPChar.isTChar(h[i]) { i += 1 }
            guard i > lineStart, i < n, h[i] == 0x3A else { return .failure(.badRequest) }   // no whitespace before ':'
            let nameEnd = i
            i += 1
            while i < n, h[i] == 0x20 || h[i] == 0x09 { i += 1 }
            let valueStart = i
            while i < n, h[i] != 0x0D {
                let b = h[i]
                if (b < 0x20 && b != 0x09) || b == 0x7F { return .failure(.badRequest) }
                i += 1
            }
            var valueEnd = i
            while valueEnd > valueStart, h[valueEnd - 1] == 0x20 || h[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            i += 2   // CRLF (checked by the scan)
            let name = UnsafeRawBufferPointer(rebasing: h[lineStart..<nameEnd])
            let value = UnsafeRawBufferPointer(rebasing: h[valueStart..<valueEnd])
            fields.append(Headers.Field(nameStart: Int32(lineStart - headerBase), nameEnd: Int32(nameEnd - headerBase),
                                        valueStart: Int32(valueStart - headerBase), valueEnd: Int32(valueEnd - headerBase)))
            switch name.count {
            case 4 where equalsLower(name, "host"):
                hostCount += 1
                if !isValidHost(value) { hostValid = false }
            case 14 where equalsLower(name, "content-length"):
                // RFC 9110 §8.6 / RFC 9112 §6.3: repeated Content-Length fields must all agree.
                guard let cl = parseContentLength(value) else { return .failure(.badRequest) }
                if let prev = contentLength, prev != cl { return .failure(.badRequest) }
                contentLength = cl
            case 17 where equalsLower(name, "transfer-encoding"):
                if transferEncoding == nil { transferEncoding = [] } else { transferEncoding!.append(0x2C) }
                transferEncoding!.append(contentsOf: value)
            case 10 where equalsLower(name, "connection"):
                forEachListElement(value) { token in
                    if equalsLower(token, "close") { connectionClose = true }
                    else if equalsLower(token, "keep-alive") { connectionKeepAlive = true }
                }
            case 6 where equalsLower(name, "expect"):
                if equalsLower(value, "100-continue") { expectContinue = true }
            default:
                break
            }
        }

        if version == .http11 {
            guard hostCount == 1, hostValid else { return .failure(.badRequest) }
        } else if hostCount > 1 || !hostValid {
            return .failure(.badRequest)
        }

        var framing = BodyFraming.none
        if let te = transferEncoding {
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; with Content-Length it is a smuggling vector.
            if version == .http10 || contentLength != nil { return .failure(.badRequest) }
            switch classifyTransferEncoding(te) {
            case .chunked: framing = .chunked
            case .unknownCoding: return .failure(.notImplemented)
            case .invalid: return .failure(.badRequest)
            }
        } else if let cl = contentLength, cl != 0 {
            framing = .length(cl < 0 ? Int.max : cl)
        }

        let keepAlive = version == .http11 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        let headers = Headers(storage: storage, fields: fields)
        return .success(RequestHead(method: method, version: version, path: path, query: query, headers: headers,
                                    framing: framing, keepAlive: keepAlive,
                                    expectContinue: expectContinue && version == .http11 && framing != .none))
    }

    /// origin-form (`/p?q`), absolute-form (`http://host/p?q`), or `*` for OPTIONS. Fragments are not allowed.
    private static func parseTarget(_ t: UnsafeRawBufferPointer, method: Method) -> (String, Substring?)? {
        // RFC 9112 §3.2: no request-target form has a fragment, in the authority, path or query alike.
        for k in 0..<t.count where t[k] == 0x23 { return nil }
        var from = 0
        if t[0] != 0x2F {
            if t.count == 1, t[0] == 0x2A { return method == .options ? ("*", nil) : nil }
            // absolute-form: scheme "://" authority [path]
            var s = 0
            while s < t.count, HTTPChar.isAlpha(t[s]) || HTTPChar.isDigit(t[s]) || t[s] == 0x2B || t[s] == 0x2D || t[s] == 0x2E { s += 1 }
            guard s > 0, s + 3 <= t.count, t[s] == 0x3A, t[s + 1] == 0x2F, t[s + 2] == 0x2F else { return nil }
            var p = s + 3
            while p < t.count, t[p] != 0x2F, t[p] != 0x3F { p += 1 }
            guard p > s + 3 else { return nil }
            if p == t.count { return ("/", nil) }
            if t[p] == 0x3F {
                let q = String(decoding: UnsafeRawBufferPointer(rebasing: t[(p + 1)...]), as: UTF8.self)
                return ("/", q[...])
            }
            from = p
        }
        var q = from
        while q < t.count, t[q] != 0x3F { q += 1 }
        let path = String(decoding: UnsafeRawBufferPointer(rebasing: t[from..<q]), as: UTF8.self)
        if q == t.count { return (path, nil) }
        let query = String(decoding: UnsafeRawBufferPointer(rebasing: t[(q + 1)...]), as: UTF8.self)
        return (path, query[...])
    }

    /// Digits only, as a list whose members all agree ("5, 5" is 5). Nil when malformed; -1 when too large to represent.
    static func parseContentLength(_ v: UnsafeRawBufferPointer) -> Int? {
        var result: Int? = nil
        var ok = true
        var sawElement = false
        forEachListElement(v, keepEmpty: true) { el in
            guard ok else { return }
            guard !el.isEmpty else { ok = false; return }
            var x = 0
            var digits = 0
            for b in el {
                guard HTTPChar.isDigit(b) else { ok = false; return }
                if digits > 0 || b != 48 { digits += 1 }
                if digits > maxContentLengthDigits { x = -1; continue }
                if x >= 0 { x = x * 10 + Int(b - 48) }
            }
            if let r = result, r != x { ok = false; return }
            result = x
            sawElement = true
        }
        guard ok, sawElement else { return nil }
        return result
    }

    enum TransferEncodingKind { case chunked, unknownCoding, invalid }

    /// RFC 9112 §6.1/§6.3/§7: `chunked` may appear once and must be the final coding. A list that breaks that rule is
    /// malformed framing (400) whatever else it names; a well-formed list naming any other coding is not implemented (501).
    static func classifyTransferEncoding(_ te: [UInt8]) -> TransferEncodingKind {
        var count = 0
        var sawChunked = false
        var chunkedLast = false
        var unknown = false
        var invalid = false
        te.withUnsafeBytes { raw in
            forEachListElement(raw) { el in
                // transfer-coding = token *( OWS ";" OWS transfer-parameter )
                var end = 0
                while end < el.count, HTTPChar.isTChar(el[end]) { end += 1 }
                if end == 0 { invalid = true; return }
                count += 1
                if equalsLower(UnsafeRawBufferPointer(rebasing: el[0..<end]), "chunked") {
                    if end != el.count || sawChunked { invalid = true }   // chunked takes no parameters; applied once
                    sawChunked = true
                    chunkedLast = true
                } else {
                    var k = end
                    while k < el.count, el[k] == 0x20 || el[k] == 0x09 { k += 1 }
                    if k < el.count && el[k] != 0x3B { invalid = true }   // parameters start with ";"
                    for b in el[k...] where (b < 0x20 && b != 0x09) || b == 0x7F { invalid = true }
                    unknown = true
                    chunkedLast = false
                }
            }
        }
        if invalid || count == 0 || (sawChunked && !chunkedLast) { return .invalid }
        return unknown ? .unknownCoding : .chunked
    }

    /// Host = uri-host [ ":" port ]; empty allowed (RFC 9112 §3.2).
    static func isValidHost(_ v: UnsafeRawBufferPointer) -> Bool {
        if v.isEmpty { return true }
        var i = 0
        if v[0] == 0x5B {   // IP-literal
            while i < v.count, v[i] != 0x5D {
                let b = v[i]
                guard b == 0x5B && i == 0 || HTTPChar.isHexDigit(b) || b == 0x3A || b == 0x2E || HTTPChar.isAlpha(b) else { return false }
                i += 1
            }
            guard i < v.count else { return false }
            i += 1
        } else {
            while i < v.count, v[i] != 0x3A {
                let b = v[i]
                guard HTTPChar.isAlpha(b) || HTTPChar.isDigit(b) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E || b == 0x25
                    || b == 0x21 || b == 0x24 || b == 0x26 || b == 0x27 || b == 0x28 || b == 0x29 || b == 0x2A
                    || b == 0x2B || b == 0x2C || b == 0x3B || b == 0x3D else { return false }
                i += 1
            }
        }
        if i == v.count { return true }
        guard v[i] == 0x3A else { return false }
        i += 1
        while i < v.count {
            guard HTTPChar.isDigit(v[i]) else { return false }
            i += 1
        }
        return true
    }

    /// Calls `body` for each comma-separated element with surrounding whitespace trimmed (empty ones skipped unless keepEmpty).
    static func forEachListElement(_ v: UnsafeRawBufferPointer, keepEmpty: Bool = false, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        var i = 0
        while i <= v.count {
            if i == v.count || v[i] == 0x2C {
                var s = start, e = i
                while s < e, v[s] == 0x20 || v[s] == 0x09 { s += 1 }
                while e > s, v[e - 1] == 0x20 || v[e - 1] == 0x09 { e -= 1 }
                if e > s || keepEmpty { body(UnsafeRawBufferPointer(rebasing: v[s..<e])) }
                start = i + 1
            }
            i += 1
        }
    }

    @inline(__always)
    static func equalsLower(_ p: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        guard p.count == s.utf8CodeUnitCount else { return false }
        let q = s.utf8Start
        for k in 0..<p.count {
            let b = p[k]
            let l = (b >= 65 && b <= 90) ? b | 0x20 : b
            if l != q[k] { return false }
        }
        return true
    }
}
