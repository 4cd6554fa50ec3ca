// The request decoder: a head, then a Content-Length or chunked body (kept, or read and dropped), over bytes the caller
// owns. Pure (no I/O, no allocation beyond the head and the body it hands over); keeps its state between calls.
// Runs on the connection's event-loop thread (and on test threads).
import HTTPCore

/// Decodes requests one after another from a byte stream. The caller owns the bytes: after each step it drops the
/// `consumed` prefix, keeps the rest and presents it again (with whatever arrives next appended) on the next call.
///
///     .head  → the caller routes it and calls `beginBody` (the route decides the body limit, or that it is dropped)
///     .end   → the body is complete: `takeBody()`; the next request's bytes may follow at once (pipelining)
struct RequestDecoder {
    enum Step {
        /// Drop `consumed` bytes (a body piece: all of them; a head still arriving: none), then call again with more.
        case needMore(consumed: Int)
        /// A head ended after `consumed` bytes. Call `beginBody` before decoding on.
        case head(RequestHead, consumed: Int)
        /// The body ended after `consumed` bytes; `takeBody()` hands it over.
        case end(consumed: Int)
        /// Malformed, or over a limit: answer with the status, then close (the stream cannot be resynchronised).
        case invalid(Status)
    }

    /// What follows a head, once `beginBody` knows the limit.
    enum BodyStart {
        /// No body: the request is complete.
        case none
        /// Body bytes follow: keep decoding until `.end`.
        case follows
        /// The declared length is over the limit (413).
        case invalid(Status)
    }

    private enum Phase {
        case head
        case length(remaining: Int)
        case chunked(ChunkedDecoder)
    }

    let limits: ParserLimits
    private var phase = Phase.head
    private(set) var scan = HeadScanState()
    /// The body received so far; stays empty while the body is dropped.
    private(set) var body: [UInt8] = []
    private var bodyLimit = 0
    private var discard = false
    /// Decoded bytes dropped so far; they count against the limit like kept ones.
    private var discarded = 0

    init(limits: ParserLimits) {
        self.limits = limits
    }

    /// Decodes from the start of `bytes` up to the end of the current head or body, whichever is in progress.
    mutating func decode(_ bytes: UnsafeRawBufferPointer) -> Step {
        switch phase {
        case .head:
            switch RequestParser.parseHead(bytes, limits: limits, state: &scan) {
            case .needMore:
                return .needMore(consumed: 0)
            case .invalid(let status):
                return .invalid(status)
            case .head(let head, let consumed):
                scan = HeadScanState()
                return .head(head, consumed: consumed)
            }
        case .length(let remaining):
            let take = min(remaining, bytes.count)
            if !discard { body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take])) }
            if take == remaining {
                phase = .head
                return .end(consumed: take)
            }
            phase = .length(remaining: remaining - take)
            return .needMore(consumed: take)
        case .chunked(var decoder):
            let result = decoder.decode(bytes, into: &body, limit: bodyLimit - discarded)
            if discard {
                discarded += body.count
                body.removeAll(keepingCapacity: true)
            }
            switch result {
            case .needMore:
                phase = .chunked(decoder)
                return .needMore(consumed: bytes.count)
            case .done(let consumed):
                phase = .head
                return .end(consumed: consumed)
            case .invalid(let status):
                phase = .chunked(decoder)
                return .invalid(status)
            }
        }
    }

    /// Starts the body of the head just decoded: at most `limit` bytes, dropped as they arrive when `discard` is set
    /// (a request no route takes is read to its end, never buffered).
    mutating func beginBody(_ framing: BodyFraming, limit: Int, discard: Bool) -> BodyStart {
        body = []
        bodyLimit = limit
        self.discard = discard
        discarded = 0
        switch framing {
        case .none:
            return .none
        case .length(let n):
            if n > limit { return .invalid(.payloadTooLarge) }
            if !discard { body.reserveCapacity(min(n, 65536)) }
            phase = .length(remaining: n)
        case .chunked:
            phase = .chunked(ChunkedDecoder(maxTrailerBytes: limits.maxHeaderBytes))
        }
        return .follows
    }

    /// Hands over the body decoded so far (the whole body after `.end`) without copying it.
    mutating func takeBody() -> [UInt8] {
        let taken = body
        body = []
        return taken
    }
}
