// Test support for the parser suites: the expected-outcome model, and a feed that drives the real RequestDecoder over a
// growing buffer the way Connection does.
import Testing
@testable import HTTP

/// Bytes of an ASCII/UTF-8 literal.
func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// One header field as the parser stored it (value as raw bytes, so obs-text survives).
struct HeaderField: Equatable, Sendable, CustomStringConvertible {
    let name: String
    let value: [UInt8]
    init(_ name: String, _ value: [UInt8]) { self.name = name; self.value = value }
    init(_ name: String, _ value: String) { self.init(name, bytes(value)) }
    var description: String { "\(name): \(String(decoding: value, as: UTF8.self))" }
}

/// What a request parsed into, reduced to what the tables check.
struct ParsedRequest: Equatable, Sendable {
    var method: HTTP.Method
    var path: String
    var query: String? = nil
    var version: Version = .http11
    var keepAlive: Bool = true
    var body: [UInt8] = []
    var expectContinue: Bool = false
    /// Checked only when the expectation lists them.
    var headers: [HeaderField]? = nil
}

/// The outcome of feeding one request: a request, or an error status (then the connection closes).
enum Outcome: Equatable, Sendable, CustomStringConvertible {
    case request(ParsedRequest)
    case invalid(Int)

    var isInvalid: Bool { if case .invalid = self { true } else { false } }

    var description: String {
        switch self {
        case .request(let r):
            "request(\(r.method.name) \(r.path)\(r.query.map { "?" + $0 } ?? "") \(r.version) keepAlive=\(r.keepAlive) "
                + "continue=\(r.expectContinue) body=\(r.body.count)B\(r.headers.map { " \($0)" } ?? ""))"
        case .invalid(let code): "invalid(\(code))"
        }
    }

    /// Projects a parsed head and body onto the shape of `expected` (headers only when it checks them).
    static func observed(_ head: RequestHead, body: [UInt8], like expected: Outcome) -> Outcome {
        var checkHeaders = false
        if case .request(let e) = expected, e.headers != nil { checkHeaders = true }
        return .request(ParsedRequest(
            method: head.method, path: head.path, query: head.query.map(String.init), version: head.version,
            keepAlive: head.keepAlive, body: body, expectContinue: head.expectContinue,
            headers: checkHeaders ? head.headers.rawFields : nil))
    }
}

extension Headers {
    /// Every field with its raw value bytes.
    var rawFields: [HeaderField] {
        fields.map {
            HeaderField(String(decoding: storage[Int($0.nameStart)..<Int($0.nameEnd)], as: UTF8.self),
                  Array(storage[Int($0.valueStart)..<Int($0.valueEnd)]))
        }
    }
}

/// One row of the parser table.
struct ParserCase: Sendable, CustomTestStringConvertible {
    let name: String
    let raw: [UInt8]
    let expected: Outcome
    var limits = ParserLimits()
    var maxBody = 1_048_576

    var testDescription: String { name }

    init(_ name: String, _ raw: [UInt8], _ expected: Outcome, limits: ParserLimits = ParserLimits(), maxBody: Int = 1_048_576) {
        self.name = name
        self.raw = raw
        self.expected = expected
        self.limits = limits
        self.maxBody = maxBody
    }

    init(_ name: String, _ raw: String, _ expected: Outcome, limits: ParserLimits = ParserLimits(), maxBody: Int = 1_048_576) {
        self.init(name, bytes(raw), expected, limits: limits, maxBody: maxBody)
    }

    func feed() -> DecoderFeed { DecoderFeed(limits: limits, maxBody: maxBody, like: [expected]) }
}

/// Feeds bytes to the real `RequestDecoder` as `Connection.process` does: received bytes accumulate, the decoder runs
/// over the unconsumed rest, the consumed prefix is dropped, and the first error ends the stream (the server answers and
/// closes). Between head and body it applies the connection's policy: 501 for an unknown method, `maxBody` for every
/// request (as if every request matched a route with that limit).
struct DecoderFeed {
    let maxBody: Int
    /// The expected outcomes, in order: each observed request is projected onto the shape of its counterpart.
    let likes: [Outcome]
    private var decoder: RequestDecoder
    private(set) var buffer: [UInt8] = []   // received, not yet consumed
    private(set) var outcomes: [Outcome] = []
    /// How many bytes of the stream had been consumed when each request ended.
    private(set) var ends: [Int] = []
    private(set) var closed = false
    private var consumedBefore = 0
    private var head: RequestHead?

    init(limits: ParserLimits, maxBody: Int, like likes: [Outcome]) {
        self.maxBody = maxBody
        self.likes = likes
        decoder = RequestDecoder(limits: limits)
    }

    mutating func feed<C: Collection<UInt8>>(_ more: C) {
        guard !closed else { return }
        buffer.append(contentsOf: more)
        var off = 0
        loop: while !closed && off < buffer.count {
            let step = buffer.withUnsafeBytes { decoder.decode(UnsafeRawBufferPointer(rebasing: $0[off...])) }
            switch step {
            case .needMore(let consumed):
                off += consumed
                break loop
            case .head(let h, let consumed):
                off += consumed
                if !h.method.isKnown { fail(501); break }
                switch decoder.beginBody(h.framing, limit: maxBody, discard: false) {
                case .none: finish(h, at: off)
                case .follows: head = h
                case .invalid(let s): fail(s.code)
                }
            case .end(let consumed):
                off += consumed
                finish(head!, at: off)
            case .invalid(let s):
                fail(s.code)
            }
        }
        consumedBefore += off
        buffer.removeFirst(off)
    }

    private mutating func finish(_ head: RequestHead, at off: Int) {
        let like = outcomes.count < likes.count ? likes[outcomes.count] : .invalid(0)
        outcomes.append(.observed(head, body: decoder.takeBody(), like: like))
        ends.append(consumedBefore + off)
        self.head = nil
    }

    private mutating func fail(_ code: Int) {
        outcomes.append(.invalid(code))
        closed = true
    }
}

/// The first request in `raw` (fed whole, default limits), or nil.
func firstRequest(_ raw: [UInt8]) -> RequestHead? {
    var decoder = RequestDecoder(limits: ParserLimits())
    guard case .head(let head, _) = raw.withUnsafeBytes({ decoder.decode($0) }) else { return nil }
    return head
}
