// Test support for the parser suites: the expected-outcome model and a driver that feeds bytes the way Connection does.
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

    /// The outcome of the whole-message API, or nil for `.needMore`.
    static func of(_ result: ParseResult, like expected: Outcome) -> Outcome? {
        switch result {
        case .needMore: nil
        case .invalid(let s): .invalid(s.code)
        case .request(let head, let body, _): .observed(head, body: body, like: expected)
        }
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

    func driver() -> ServerDriver { ServerDriver(limits: limits, maxBody: maxBody, like: [expected]) }
}

/// Feeds bytes the way `Connection.process` does: the head parser is re-run over the accumulated unconsumed bytes with
/// one `HeadScanState` (reset after each head), body bytes go to a length counter or a `ChunkedDecoder` as they arrive,
/// and the first error stops everything (the server answers and closes).
struct ServerDriver {
    enum Phase {
        case head
        case length(RequestHead, remaining: Int)
        case chunked(RequestHead, ChunkedDecoder)
        case closed
    }

    let limits: ParserLimits
    let maxBody: Int
    /// The expected outcomes, in order: each observed request is projected onto the shape of its counterpart.
    let likes: [Outcome]
    private(set) var buffer: [UInt8] = []   // received, not yet consumed
    private(set) var outcomes: [Outcome] = []
    private(set) var scan = HeadScanState()
    private var phase = Phase.head
    private var body: [UInt8] = []

    init(limits: ParserLimits, maxBody: Int, like likes: [Outcome]) {
        self.limits = limits
        self.maxBody = maxBody
        self.likes = likes
    }

    var closed: Bool { if case .closed = phase { true } else { false } }

    mutating func feed<C: Collection<UInt8>>(_ more: C) {
        guard !closed else { return }
        buffer.append(contentsOf: more)
        var off = 0
        loop: while off < buffer.count {
            switch phase {
            case .closed:
                break loop
            case .head:
                let result = buffer.withUnsafeBytes { raw in
                    RequestParser.parseHead(UnsafeRawBufferPointer(rebasing: raw[off...]), limits: limits, state: &scan)
                }
                switch result {
                case .needMore:
                    break loop
                case .invalid(let s):
                    fail(s.code)
                    break loop
                case .head(let head, let consumed):
                    off += consumed
                    scan = HeadScanState()
                    begin(head)
                }
            case .length(let head, let remaining):
                let take = min(remaining, buffer.count - off)
                body.append(contentsOf: buffer[off..<(off + take)])
                off += take
                if take == remaining { finish(head) } else { phase = .length(head, remaining: remaining - take) }
            case .chunked(let head, var decoder):
                let result = buffer.withUnsafeBytes { raw in
                    decoder.decode(UnsafeRawBufferPointer(rebasing: raw[off...]), into: &body, limit: maxBody)
                }
                switch result {
                case .needMore:
                    phase = .chunked(head, decoder)
                    off = buffer.count
                case .done(let consumed):
                    off += consumed
                    finish(head)
                case .invalid(let s):
                    fail(s.code)
                    break loop
                }
            }
        }
        buffer.removeFirst(off)
    }

    private mutating func begin(_ head: RequestHead) {
        if !head.method.isKnown { fail(501); return }
        body = []
        switch head.framing {
        case .none: finish(head)
        case .length(let n): if n > maxBody { fail(413) } else { phase = .length(head, remaining: n) }
        case .chunked: phase = .chunked(head, ChunkedDecoder(maxTrailerBytes: limits.maxHeaderBytes))
        }
    }

    private mutating func finish(_ head: RequestHead) {
        let like = outcomes.count < likes.count ? likes[outcomes.count] : .invalid(0)
        outcomes.append(.observed(head, body: body, like: like))
        body = []
        phase = .head
    }

    private mutating func fail(_ code: Int) {
        outcomes.append(.invalid(code))
        phase = .closed
    }
}
