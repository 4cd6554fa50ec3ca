// libFuzzer target for the request decoder. Not a package target: scripts/fuzz.sh compiles it into the HTTP module
// (`-module-name HTTP`), so it sees internals. Each input goes through RequestDecoder as one buffer, split in two, one
// byte at a time (as Connection feeds it) and prefix by prefix, and as a chunked body; all the ways must agree.
import HTTPCore

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

/// Connection's way: pieces arrive and accumulate, RequestDecoder runs over the unconsumed bytes, the consumed prefix
/// is dropped; every request gets `maxBody`, an unknown method 501, and the first error ends the stream.
struct Incremental {
    var decoder = RequestDecoder(limits: limits)
    var buffer: [UInt8] = []
    var head: RequestHead?
    var closed = false
    var out: [Seen] = []
    var consumedTotal = 0

    mutating func feed(_ piece: ArraySlice<UInt8>) {
        if closed { return }
        buffer.append(contentsOf: piece)
        var off = 0
        loop: while !closed && off < buffer.count {
            let before = decoder.scan.scanned
            let rest = buffer.count - off
            let step = buffer.withUnsafeBytes { decoder.decode(UnsafeRawBufferPointer(rebasing: $0[off...])) }
            switch step {
            case .needMore(let consumed):
                guard consumed == 0 || consumed == rest else { fail("needMore consumed \(consumed) of \(rest)") }
                if consumed == 0 && (decoder.scan.scanned < before || decoder.scan.scanned > rest) { fail("scan position went wrong") }
                off += consumed
                break loop
            case .invalid(let s):
                out.append(Seen(status: s.code))
                closed = true
            case .head(let h, let consumed):
                guard consumed > 0, consumed <= rest else { fail("head consumed \(consumed)") }
                checkHead(h)
                off += consumed
                if !h.method.isKnown { out.append(Seen(status: 501)); closed = true; break loop }
                switch decoder.beginBody(h.framing, limit: maxBody, discard: false) {
                case .none: out.append(seen(h, []))
                case .follows: head = h
                case .invalid(let s): out.append(Seen(status: s.code)); closed = true
                }
            case .end(let consumed):
                guard consumed > 0, consumed <= rest, let h = head else { fail("body consumed \(consumed)") }
                off += consumed
                let body = decoder.takeBody()
                if case .length(let n) = h.framing, body.count != n { fail("body \(body.count) != length \(n)") }
                if body.count > maxBody { fail("body over maxBody") }
                out.append(seen(h, body))
                head = nil
            }
        }
        buffer.removeFirst(off)
        consumedTotal += off
    }

    /// Bytes that belong to completed requests (a request in progress or an error leaves the rest unaccounted).
    var settled: Int { closed || head != nil ? -1 : consumedTotal }
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

    let whole = incremental(bytes, cuts: [])
    if whole.consumedTotal > bytes.count { fail("consumed past the end") }

    // Two pieces at a data-chosen offset, and (for short inputs) one byte at a time.
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) * bytes.count / 256
    var ways = [incremental(bytes, cuts: [cut])]
    if bytes.count <= 2048 { ways.append(incremental(bytes, cuts: Array(0..<bytes.count))) }
    for (k, way) in ways.enumerated() {
        if way.out != whole.out { fail("way \(k): \(way.out) vs whole \(whole.out)") }
        if way.settled >= 0, whole.settled >= 0, way.settled != whole.settled {
            fail("way \(k) settled \(way.settled) bytes, whole \(whole.settled)")
        }
    }

    // Every prefix fed fresh agrees with the full input: it yields the full input's first outcomes, or fewer.
    if bytes.count <= 512 {
        for n in 0..<bytes.count {
            let p = incremental(Array(bytes[..<n]), cuts: []).out
            if p.count > whole.out.count || Array(whole.out.prefix(p.count)) != p {
                fail("prefix \(n) gave \(p), full gave \(whole.out)")
            }
        }
    }

    checkChunked(bytes)
    return 0
}
