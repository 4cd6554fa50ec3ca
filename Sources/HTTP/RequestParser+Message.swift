// Whole-message parsing (head + body) over one buffer: what tests and the fuzzer drive. The server uses the same
// head parser and body decoders incrementally (Connection). Pure.

/// Outcome of parsing one complete request message.
public enum ParseResult: Sendable {
    case needMore
    case request(RequestHead, body: [UInt8], consumed: Int)
    case invalid(Status)
}

extension RequestParser {
    /// Parses one full request (head and body) at the start of `bytes`; `maxBody` caps the body (413 past it).
    public static func parse(_ bytes: [UInt8], limits: ParserLimits = ParserLimits(), maxBody: Int = 1_048_576) -> ParseResult {
        bytes.withUnsafeBytes { raw in
            var state = HeadScanState()
            switch parseHead(raw, limits: limits, state: &state) {
            case .needMore:
                return .needMore
            case .invalid(let s):
                return .invalid(s)
            case .head(let head, let consumed):
                if case .other = head.method { return .invalid(.notImplemented) }
                switch head.framing {
                case .none:
                    return .request(head, body: [], consumed: consumed)
                case .length(let n):
                    if n > maxBody { return .invalid(.payloadTooLarge) }
                    if raw.count - consumed < n { return .needMore }
                    return .request(head, body: Array(raw[consumed..<(consumed + n)]), consumed: consumed + n)
                case .chunked:
                    var decoder = ChunkedDecoder(maxTrailerBytes: limits.maxHeaderBytes)
                    var body: [UInt8] = []
                    switch decoder.decode(UnsafeRawBufferPointer(rebasing: raw[consumed...]), into: &body, limit: maxBody) {
                    case .needMore: return .needMore
                    case .invalid(let s): return .invalid(s)
                    case .done(let used): return .request(head, body: body, consumed: consumed + used)
                    }
                }
            }
        }
    }
}
