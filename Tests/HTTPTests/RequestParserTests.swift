// RequestParser against the table in ParserCases: whole, every prefix, one byte at a time, split in two, pipelined in pairs.
import Testing
@testable import HTTP

@Suite struct RequestParserTableTests {
    @Test(arguments: ParserCases.all)
    func wholeBufferGivesTheExpectedOutcome(_ c: ParserCase) {
        var feed = c.feed()
        feed.feed(c.raw)
        #expect(feed.outcomes == [c.expected])
        if !c.expected.isInvalid {
            #expect(feed.buffer.isEmpty)
            #expect(feed.ends == [c.raw.count])
        }
    }

    @Test(arguments: ParserCases.all)
    func everyPrefixNeedsMoreOrFailsTheSameWay(_ c: ParserCase) {
        for cut in 0..<c.raw.count {
            var feed = c.feed()
            feed.feed(c.raw[..<cut])
            guard let outcome = feed.outcomes.first else { continue }
            // A prefix may only fail early, and only with the case's own status; it never yields a request.
            #expect(c.expected.isInvalid && feed.outcomes == [c.expected], "prefix of \(cut) bytes gave \(outcome)")
        }
    }

    @Test(arguments: ParserCases.all)
    func dripFedOneByteAtATime(_ c: ParserCase) {
        var feed = c.feed()
        for k in c.raw.indices {
            feed.feed(c.raw[k...k])
            if k < c.raw.count - 1, !feed.outcomes.isEmpty {
                #expect(c.expected.isInvalid && feed.outcomes == [c.expected], "after byte \(k): \(feed.outcomes)")
                if !c.expected.isInvalid { return }
            }
        }
        #expect(feed.outcomes == [c.expected])
        if !c.expected.isInvalid { #expect(feed.buffer.isEmpty) }
    }

    @Test(arguments: ParserCases.all)
    func splitInTwoAtEveryOffset(_ c: ParserCase) {
        for cut in 1..<c.raw.count {
            var feed = c.feed()
            feed.feed(c.raw[..<cut])
            if !feed.outcomes.isEmpty {
                #expect(c.expected.isInvalid && feed.outcomes == [c.expected], "first \(cut) bytes gave \(feed.outcomes)")
            }
            feed.feed(c.raw[cut...])
            #expect(feed.outcomes == [c.expected], "split at \(cut)")
        }
    }

    /// `a` then `b` in one buffer: after `a` is consumed, `b` parses exactly as it does alone.
    @Test(arguments: ParserCases.valid)
    func pipelinedBehindEveryCase(_ a: ParserCase) {
        for b in ParserCases.all {
            // Both run under b's limits; skip the pairs where those limits already reject a.
            var aUnderB = DecoderFeed(limits: b.limits, maxBody: b.maxBody, like: [a.expected])
            aUnderB.feed(a.raw)
            guard aUnderB.outcomes == [a.expected] else { continue }
            let raw = a.raw + b.raw
            let expected = [a.expected, b.expected]

            var whole = DecoderFeed(limits: b.limits, maxBody: b.maxBody, like: expected)
            whole.feed(raw)
            #expect(whole.outcomes == expected, "\(a.name) then \(b.name)")
            #expect(whole.ends.first == a.raw.count, "\(a.name) then \(b.name)")

            var second = b.feed()
            second.feed(raw[a.raw.count...])
            #expect(second.outcomes == [b.expected], "\(a.name) then \(b.name)")

            var drip = DecoderFeed(limits: b.limits, maxBody: b.maxBody, like: expected)
            for k in raw.indices { drip.feed(raw[k...k]) }
            #expect(drip.outcomes == expected, "\(a.name) then \(b.name), drip-fed")
        }
    }
}

@Suite struct RequestParserTests {
    /// Feeds `raw` to parseHead one byte at a time with one state; returns the final result and the state.
    static func dripHead(_ raw: [UInt8], limits: ParserLimits = ParserLimits()) -> (HeadParseResult, HeadScanState, needMores: Int) {
        var state = HeadScanState()
        var needMores = 0
        let result = raw.withUnsafeBytes { all -> HeadParseResult in
            for n in 1...all.count {
                let r = RequestParser.parseHead(UnsafeRawBufferPointer(rebasing: all[..<n]), limits: limits, state: &state)
                guard case .needMore = r else { return r }
                needMores += 1
            }
            return .needMore
        }
        return (result, state, needMores)
    }

    static func assertLinearDrip(_ raw: [UInt8]) {
        let clock = ContinuousClock()
        let started = clock.now
        let (result, state, needMores) = dripHead(raw)
        let elapsed = clock.now - started
        guard case .head(let head, let consumed) = result else { Issue.record("no head: \(result)"); return }
        #expect(consumed == raw.count)
        #expect(needMores == raw.count - 1)
        #expect(head.headers.count > 0)
        #if DEBUG
        // Each byte is examined once (a rescan from the start, or from the start of the line, would be quadratic).
        #expect(state.work <= raw.count, "examined \(state.work) bytes for a \(raw.count)-byte head")
        #else
        _ = state
        #endif
        #expect(elapsed < .seconds(2), "took \(elapsed)")
    }

    @Test func sixteenKiBOfShortHeaderLinesDripFedIsLinear() {
        var raw = bytes("GET / HTTP/1.1\r\nHost: a\r\n")
        while raw.count < 16384 - 64 { raw += bytes("X-Filler-\(raw.count): \(String(repeating: "v", count: 24))\r\n") }
        raw += bytes("\r\n")
        Self.assertLinearDrip(raw)
    }

    @Test func sixteenKiBInOneHeaderLineDripFedIsLinear() {
        let prefix = bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Long: ")
        let raw = prefix + [UInt8](repeating: UInt8(ascii: "v"), count: 16384 - prefix.count - 4) + bytes("\r\n\r\n")
        #expect(raw.count == 16384)
        Self.assertLinearDrip(raw)
    }

    @Test func longRequestLineDripFedIsLinear() {
        Self.assertLinearDrip(bytes("GET /" + String(repeating: "p", count: 8000) + " HTTP/1.1\r\nHost: a\r\n\r\n"))
    }

    @Test func requestLineOverTheLimitIsRejectedAtTheFirstByteTooMany() {
        let limits = ParserLimits(maxRequestLineBytes: 32, maxHeaderBytes: 1024)
        let raw = bytes("GET /" + String(repeating: "a", count: 100))
        let (result, _, needMores) = Self.dripHead(raw, limits: limits)
        guard case .invalid(let status) = result else { Issue.record("\(result)"); return }
        #expect(status == .uriTooLong)
        #expect(needMores == 32)   // bytes 1...32 are a request line still within its limit
    }

    @Test func headerBlockOverTheLimitIsRejectedBeforeItEnds() {
        let limits = ParserLimits(maxRequestLineBytes: 64, maxHeaderBytes: 100)
        let raw = bytes("GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 500))
        let (result, _, needMores) = Self.dripHead(raw, limits: limits)
        guard case .invalid(let status) = result else { Issue.record("\(result)"); return }
        #expect(status == .headerFieldsTooLarge)
        #expect(needMores == 100)
    }

    @Test func aStateFromALongerBufferIsDiscardedNotTrusted() {
        var state = HeadScanState()
        let long = bytes("GET / HTTP/1.1\r\nHost: a\r\nX: 1234567890")
        _ = long.withUnsafeBytes { RequestParser.parseHead($0, limits: ParserLimits(), state: &state) }
        let short = bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let result = short.withUnsafeBytes { RequestParser.parseHead($0, limits: ParserLimits(), state: &state) }
        guard case .head(let head, let consumed) = result else { Issue.record("\(result)"); return }
        #expect(head.path == "/" && consumed == short.count)
    }

    @Test func headersAreKeptInOrderAndFoundCaseInsensitively() {
        let raw = bytes("GET / HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nx-a:  2 \r\nContent-Type: text/plain\r\n\r\n")
        guard let head = firstRequest(raw) else { Issue.record("no request"); return }
        #expect(head.headers.count == 4)
        #expect(head.headers["host"] == "example.com")
        #expect(head.headers["X-A"] == "1")
        #expect(head.headers.values("x-A") == ["1", "2"])
        #expect(head.headers["content-type"] == "text/plain")
        #expect(head.headers["missing"] == nil)
    }

    @Test func framingIsReported() {
        func framing(_ s: String) -> BodyFraming? {
            guard case .head(let h, _) = bytes(s).withUnsafeBytes({ raw -> HeadParseResult in
                var state = HeadScanState()
                return RequestParser.parseHead(raw, limits: ParserLimits(), state: &state)
            }) else { return nil }
            return h.framing
        }
        #expect(framing("GET / HTTP/1.1\r\nHost: a\r\n\r\n") == BodyFraming.none)
        #expect(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n") == BodyFraming.none)
        #expect(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 42\r\n\r\n") == .length(42))
        #expect(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 123456789012345678901\r\n\r\n") == .length(Int.max))
        #expect(framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") == .chunked)
    }

    @Test(arguments: [
        ("HTTP/1.1", "", true), ("HTTP/1.1", "Connection: close\r\n", false), ("HTTP/1.1", "Connection: Close\r\n", false),
        ("HTTP/1.1", "Connection: keep-alive\r\n", true), ("HTTP/1.1", "Connection: foo,\tclose , bar\r\n", false),
        ("HTTP/1.1", "Connection: closed\r\n", true), ("HTTP/1.0", "", false), ("HTTP/1.0", "Connection: keep-alive\r\n", true),
        ("HTTP/1.0", "Connection: keep-alive\r\nConnection: close\r\n", false), ("HTTP/1.0", "Connection: upgrade\r\n", false),
    ])
    func keepAliveFollowsVersionAndConnection(version: String, connection: String, keepAlive: Bool) {
        let raw = bytes("GET / \(version)\r\nHost: a\r\n\(connection)\r\n")
        guard let head = firstRequest(raw) else { Issue.record("no request"); return }
        #expect(head.keepAlive == keepAlive)
    }

    @Test(arguments: [
        ("chunked", "chunked"), ("CHUNKED", "chunked"), (" chunked ", "chunked"), (",chunked,", "chunked"),
        ("gzip, chunked", "unknown"), ("gzip;q=1 , chunked", "unknown"), ("br", "unknown"), ("gzip, deflate", "unknown"),
        ("x-custom ; a=b", "unknown"),
        ("", "invalid"), (",", "invalid"), ("chunked, chunked", "invalid"), ("chunked, gzip", "invalid"),
        ("gzip, chunked, gzip", "invalid"), ("chunked;a=b", "invalid"), ("chunked x", "invalid"), ("gzip x", "invalid"),
        ("\"chunked\"", "invalid"), ("chunked, chunked, gzip", "invalid"),
    ])
    func transferEncodingClassification(value: String, kind: String) {
        let result: String = switch RequestParser.classifyTransferEncoding(bytes(value)) {
        case .chunked: "chunked"
        case .unknownCoding: "unknown"
        case .invalid: "invalid"
        }
        #expect(result == kind)
    }

    @Test(arguments: [
        ("0", 0), ("5", 5), ("007", 7), ("5, 5", 5), ("5,5,5", 5), (" 12 ", 12), ("999999999999999999", 999_999_999_999_999_999),
        ("1000000000000000000", -1), ("0000000000000000000000001", 1),
    ])
    func contentLengthValues(value: String, expected: Int) {
        #expect(bytes(value).withUnsafeBytes { RequestParser.parseContentLength($0) } == expected)
    }

    @Test(arguments: ["", " ", "-1", "+1", "1.0", "1e3", "0x1", "5, 6", "5,", ",5", "5,,5", "1 2", "٣"])
    func malformedContentLengthValues(value: String) {
        #expect(bytes(value).withUnsafeBytes { RequestParser.parseContentLength($0) } == nil)
    }

    @Test(arguments: [
        ("", true), ("a", true), ("example.com:8080", true), ("a:", true), ("127.0.0.1", true), ("[::1]", true), ("[::1]:80", true),
        ("[fe80::1%25en0]", false), ("a b", false), ("a@b", false), ("a/b", false), ("a:b", false),
        ("[::1", false), ("[::1]x", false), ("[::1]:8x", false), ("::1", false), ("a:80:80", false), ("a?b", false),
    ])
    func hostValues(value: String, valid: Bool) {
        #expect(bytes(value).withUnsafeBytes { RequestParser.isValidHost($0) } == valid)
    }
}
