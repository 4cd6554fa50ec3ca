// libFuzzer target for the request parser. Not a package target: scripts/fuzz.sh compiles it into the HTTP module
// (`-module-name HTTP`), so it sees internals. Each input is checked as one buffer, grown one byte at a time with one
// HeadScanState (as Connection does), split in two, and as a chunked body; all the ways must agree.

/// What one request (or the error that ends the connection) looked like, for comparing the ways of feeding it.
struct Seen: Equatable {
    var status = 0            // 0: a request
    var method = ""
    var path = ""
    var query: String? = nil
    var keepAlive = false
    var expectContinue = false
    var headerCount = 0
    var body: [UInt8] = []
}

let limits = ParserLimits(maxRequestLineBytes: 64, maxHeaderBytes: 192)   // small, so inputs reach every limit
let maxBody = 300

func fail(_ message: String) -> Never {
    fatalError("invariant broken: \(message)")
}

func seen(_ head: RequestHead, _ body: [UInt8]) -> Seen {
    Seen(method: head.method.name, path: head.path, query: head.query.map(String.init), keepAlive: head.keepAlive,
         expectContinue: head.expectContinue, headerCount: head.headers.count, body: body)
}

/// Header storage offsets must be in bounds and values free of CR, LF and NUL.
func checkHead(_ head: RequestHead) {
    let h = head.headers
    for f in h.fields {
        guard 0 <= f.nameStart, f.nameStart < f.nameEnd, f.nameEnd < f.valueStart,
              f.valueStart <= f.valueEnd, Int(f.valueEnd) <= h.storage.count else { fail("field offsets \(f)") }
        for b in h.storage[Int(f.valueStart)..<Int(f.valueEnd)] where b == 0 || b == 0x0A || b == 0x0D {
            fail("control byte \(b) in a header value")
        }
    }
    if case .length(let n) = head.framing, n <= 0 { fail("non-positive length framing") }
    if head.path.isEmpty { fail("empty path") }
}

/// Whole-message API over the full buffer, request after request: every request, then how it ended (error or needMore).
func wholeMessages(_ bytes: [UInt8]) -> (requests: [Seen], consumed: Int) {
    var out: [Seen] = []
    var offset = 0
    while offset < bytes.count {
        let rest = Array(bytes[offset...])
        switch RequestParser.parse(rest, limits: limits, maxBody: maxBody) {
        case .needMore:
            return (out, offset)
        case .invalid(let status):
            out.append(Seen(status: status.code))
            return (out, offset)
        case .request(let head, let body, let consumed):
            guard consumed > 0, consumed <= rest.count else { fail("consumed \(consumed) of \(rest.count)") }
            checkHead(head)
            if case .length(let n) = head.framing, body.count != n { fail("body \(body.count) != length \(n)") }
            if body.count > maxBody { fail("body over maxBody") }
            out.append(seen(head, body))
            offset += consumed
        }
    }
    return (out, offset)
}

/// Connection's way: pieces arrive, the head parser re-runs over the unconsumed bytes with one state, bodies stream.
struct Incremental {
    enum Phase { case head, length(RequestHead, Int), chunked(RequestHead, ChunkedDecoder), closed }
    var buffer: [UInt8] = []
    var scan = HeadScanState()
    var phase = Phase.head
    var body: [UInt8] = []
    var out: [Seen] = []
    var consumedTotal = 0

    mutating func feed(_ piece: ArraySlice<UInt8>) {
        if case .closed = phase { return }
        buffer.append(contentsOf: piece)
        var off = 0
        loop: while off < buffer.count {
            switch phase {
            case .closed:
                break loop
            case .head:
                let before = scan.scanned
                let r = buffer.withUnsafeBytes {
                    RequestParser.parseHead(UnsafeRawBufferPointer(rebasing: $0[off...]), limits: limits, state: &scan)
                }
                switch r {
                case .needMore:
                    if scan.scanned < before || scan.scanned > buffer.count - off { fail("scan position went wrong") }
                    break loop
                case .invalid(let s):
                    out.append(Seen(status: s.code)); phase = .closed; break loop
                case .head(let head, let consumed):
                    guard consumed > 0, consumed <= buffer.count - off else { fail("head consumed \(consumed)") }
                    checkHead(head)
                    off += consumed
                    scan = HeadScanState()
                    body = []
                    if !head.method.isKnown { out.append(Seen(status: 501)); phase = .closed; break loop }
                    switch head.framing {
                    case .none: out.append(seen(head, [])); phase = .head
                    case .length(let n):
                        if n > maxBody { out.append(Seen(status: 413)); phase = .closed; break loop }
                        phase = .length(head, n)
                    case .chunked: phase = .chunked(head, ChunkedDecoder(maxTrailerBytes: limits.maxHeaderBytes))
                    }
                }
            case .length(let head, let remaining):
                let take = min(remaining, buffer.count - off)
                body += buffer[off..<(off + take)]
                off += take
                if take == remaining { out.append(seen(head, body)); phase = .head } else { phase = .length(head, remaining - take) }
            case .chunked(let head, var decoder):
                let r = buffer.withUnsafeBytes {
                    decoder.decode(UnsafeRawBufferPointer(rebasing: $0[off...]), into: &body, limit: maxBody)
                }
                switch r {
                case .needMore: phase = .chunked(head, decoder); off = buffer.count
                case .done(let used):
                    guard used > 0, used <= buffer.count - off else { fail("chunked consumed \(used)") }
                    off += used; out.append(seen(head, body)); phase = .head
                case .invalid(let s): out.append(Seen(status: s.code)); phase = .closed; break loop
                }
            }
        }
        buffer.removeFirst(off)
        consumedTotal += off
    }

    /// Bytes that belong to completed requests (a request in progress or an error leaves the rest unaccounted).
    var settled: Int {
        if case .head = phase { return consumedTotal }
        return -1
    }
}

func incremental(_ bytes: [UInt8], cuts: [Int]) -> Incremental {
    var inc = Incremental()
    var from = 0
    for cut in cuts + [bytes.count] where cut >= from {
        inc.feed(bytes[from..<cut])
        from = cut
    }
    return inc
}

/// Decodes `bytes` as a chunked body whole and one byte at a time; both must agree.
func checkChunked(_ bytes: [UInt8]) {
    var whole = ChunkedDecoder(maxTrailerBytes: 256)
    var wholeBody: [UInt8] = []
    let a = bytes.withUnsafeBytes { whole.decode($0, into: &wholeBody, limit: maxBody) }
    if case .done(let used) = a, used <= 0 || used > bytes.count { fail("chunked consumed \(used)") }
    if wholeBody.count > maxBody { fail("chunked body over the limit") }

    var drip = ChunkedDecoder(maxTrailerBytes: 256)
    var dripBody: [UInt8] = []
    var b = BodyDecodeResult.needMore
    var fed = 0
    for k in bytes.indices {
        b = bytes[k...k].withUnsafeBytes { drip.decode($0, into: &dripBody, limit: maxBody) }
        fed = k
        if b != .needMore { break }
    }
    switch (a, b) {
    case (.needMore, .needMore): break
    case (.invalid(let x), .invalid(let y)) where x == y: break
    case (.done(let used), .done(1)) where used == fed + 1: break
    default: fail("chunked whole \(a) vs drip \(b) at \(fed)")
    }
    if case .done = a, wholeBody != dripBody { fail("chunked bodies differ") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    let whole = wholeMessages(bytes)
    if whole.consumed > bytes.count { fail("consumed past the end") }

    // One piece, two pieces at a data-chosen offset, and (for short inputs) one byte at a time.
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) * bytes.count / 256
    var ways = [incremental(bytes, cuts: []), incremental(bytes, cuts: [cut])]
    if bytes.count <= 2048 { ways.append(incremental(bytes, cuts: Array(0..<bytes.count))) }
    for (k, way) in ways.enumerated() {
        if way.out != whole.requests { fail("way \(k): \(way.out) vs whole \(whole.requests)") }
        if way.settled >= 0, way.settled != whole.consumed, whole.requests.last?.status ?? 0 == 0 {
            fail("way \(k) settled \(way.settled) bytes, whole \(whole.consumed)")
        }
    }

    // Every prefix's fresh parse agrees with the full one: needMore, or exactly what the full buffer gives.
    if bytes.count <= 512 {
        let full = RequestParser.parse(bytes, limits: limits, maxBody: maxBody)
        for n in 0..<bytes.count {
            switch (RequestParser.parse(Array(bytes[..<n]), limits: limits, maxBody: maxBody), full) {
            case (.needMore, _): break
            case (.invalid(let x), .invalid(let y)) where x == y: break
            case (.request(_, _, let c1), .request(_, _, let c2)) where c1 == c2: break
            case (let p, _): fail("prefix \(n) gave \(p), full gave \(full)")
            }
        }
    }

    checkChunked(bytes)
    return 0
}
