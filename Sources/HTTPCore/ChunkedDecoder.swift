// Incremental decoder for `Transfer-Encoding: chunked` bodies (RFC 9112 §7.1), of requests and responses alike: pure
// over caller-owned bytes, keeping only its small state between calls. Runs on the caller's thread (loop or client call).

/// Outcome of feeding bytes to a body decoder.
public enum BodyDecodeResult: Equatable, Sendable {
    /// Everything given was consumed; more is needed.
    case needMore
    /// The body ended after `consumed` bytes of this input; the rest belongs to the next request.
    case done(consumed: Int)
    case invalid(Status)
}

/// Decodes chunked framing, appending chunk data to a body buffer.
public struct ChunkedDecoder: Sendable {
    enum State: Sendable {
        case size, sizeLF, data, dataCR, dataLF, trailerLineStart, trailerLine, trailerLF, finalLF
        // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), chunk-ext-val = token / quoted-string
        case extBeforeSemicolon, extBeforeName, extName, extAfterName, extBeforeValue, extToken, extQuoted, extQuotedPair,
             extQuotedEnd, extAfterValue
    }

    static let maxSizeDigits = 16
    static let maxExtensionBytes = 4096

    var state = State.size
    var sizeDigits = 0
    var chunkRemaining = 0
    var lineBytes = 0
    var trailerBytes = 0
    var trailerLineHasColon = false
    var trailerNameBytes = 0
    let maxTrailerBytes: Int

    public init(maxTrailerBytes: Int = 16384) {
        self.maxTrailerBytes = maxTrailerBytes
    }

    /// Feeds `input`, appending decoded data to `body`. `limit` caps the decoded size (413 past it).
    public mutating func decode(_ input: UnsafeRawBufferPointer, into body: inout [UInt8], limit: Int) -> BodyDecodeResult {
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            switch state {
            case .size:
                if let v = HTTPChar.hexValue(b) {
                    sizeDigits += 1
                    if sizeDigits > ChunkedDecoder.maxSizeDigits { return .invalid(.badRequest) }
                    // Checked before the shift, and against what is left of the limit, so nothing overflows.
                    if chunkRemaining > (limit - body.count) >> 4 { return .invalid(.payloadTooLarge) }
                    chunkRemaining = chunkRemaining << 4 | Int(v)
                    if chunkRemaining > limit - body.count { return .invalid(.payloadTooLarge) }
                    i += 1
                } else if sizeDigits == 0 {
                    return .invalid(.badRequest)
                } else if b == 0x0D {
                    state = .sizeLF; i += 1
                } else if b == 0x3B || b == 0x20 || b == 0x09 {
                    state = b == 0x3B ? .extBeforeName : .extBeforeSemicolon
                    lineBytes = 1; i += 1
                } else {
                    return .invalid(.badRequest)
                }
            case .extBeforeSemicolon, .extBeforeName, .extName, .extAfterName, .extBeforeValue, .extToken, .extQuoted,
                 .extQuotedPair, .extQuotedEnd, .extAfterValue:
                // Extensions are validated, then ignored.
                guard let next = ChunkedDecoder.extensionTransition(state, b) else { return .invalid(.badRequest) }
                state = next
                i += 1
                lineBytes += 1
                if lineBytes > ChunkedDecoder.maxExtensionBytes { return .invalid(.badRequest) }
            case .sizeLF:
                guard b == 0x0A else { return .invalid(.badRequest) }
                i += 1
                sizeDigits = 0
                if chunkRemaining == 0 {
                    state = .trailerLineStart
                } else {
                    state = .data
                }
            case .data:
                let take = min(chunkRemaining, n - i)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[i..<(i + take)]))
                chunkRemaining -= take
                i += take
                if chunkRemaining == 0 { state = .dataCR }
            case .dataCR:
                guard b == 0x0D else { return .invalid(.badRequest) }
                state = .dataLF; i += 1
            case .dataLF:
                guard b == 0x0A else { return .invalid(.badRequest) }
                state = .size; i += 1
            case .trailerLineStart:
                if b == 0x0D { state = .finalLF; i += 1; continue }
                if !HTTPChar.isTChar(b) { return .invalid(.badRequest) }   // obs-fold or junk
                state = .trailerLine; trailerLineHasColon = false; trailerNameBytes = 0
            case .trailerLine:
                if b == 0x0D { state = .trailerLF; i += 1; continue }
                if !trailerLineHasColon {
                    if b == 0x3A {
                        if trailerNameBytes == 0 { return .invalid(.badRequest) }
                        trailerLineHasColon = true
                    } else if HTTPChar.isTChar(b) {
                        trailerNameBytes += 1
                    } else {
                        return .invalid(.badRequest)
                    }
                } else if (b < 0x20 && b != 0x09) || b == 0x7F {
                    return .invalid(.badRequest)
                }
                trailerBytes += 1
                if trailerBytes > maxTrailerBytes { return .invalid(.headerFieldsTooLarge) }
                i += 1
            case .trailerLF:
                guard b == 0x0A, trailerLineHasColon else { return .invalid(.badRequest) }
                state = .trailerLineStart; i += 1
            case .finalLF:
                guard b == 0x0A else { return .invalid(.badRequest) }
                return .done(consumed: i + 1)
            }
        }
        return .needMore
    }

    /// One byte of a chunk extension: the next state, `.sizeLF` after the CR that ends the line, or nil when invalid.
    static func extensionTransition(_ state: State, _ b: UInt8) -> State? {
        let ws = b == 0x20 || b == 0x09
        switch state {
        case .extBeforeSemicolon:
            return ws ? state : b == 0x3B ? .extBeforeName : nil
        case .extBeforeName:
            return ws ? state : HTTPChar.isTChar(b) ? .extName : nil
        case .extName, .extAfterName:
            if b == 0x0D { return state == .extName ? .sizeLF : nil }
            if ws { return .extAfterName }
            if b == 0x3D { return .extBeforeValue }
            if b == 0x3B { return .extBeforeName }
            return state == .extName && HTTPChar.isTChar(b) ? .extName : nil
        case .extBeforeValue:
            if ws { return state }
            if b == 0x22 { return .extQuoted }
            return HTTPChar.isTChar(b) ? .extToken : nil
        case .extToken, .extQuotedEnd, .extAfterValue:
            if b == 0x0D { return state != .extAfterValue ? .sizeLF : nil }
            if ws { return .extAfterValue }
            if b == 0x3B { return .extBeforeName }
            return state == .extToken && HTTPChar.isTChar(b) ? .extToken : nil
        case .extQuoted:
            // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
            if b == 0x22 { return .extQuotedEnd }
            if b == 0x5C { return .extQuotedPair }
            return b == 0x09 || (b >= 0x20 && b != 0x7F) ? state : nil
        case .extQuotedPair:
            // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
            return b == 0x09 || (b >= 0x20 && b != 0x7F) ? .extQuoted : nil
        default:
            return nil
        }
    }
}
