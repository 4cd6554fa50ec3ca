// ChunkedDecoder on its own: chunked bodies whole, drip-fed, followed by the next request, and malformed.
import Testing
@testable import HTTPCore

/// Bytes of an ASCII/UTF-8 literal.
private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct ChunkedDecoderTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let wire: String
        let body: String?   // nil: invalid
        var status = 400
        var limit = 1 << 20
        var testDescription: String { name }
    }

    static let valid: [Row] = [
        Row(name: "one chunk", wire: "5\r\nhello\r\n0\r\n\r\n", body: "hello"),
        Row(name: "empty body", wire: "0\r\n\r\n", body: ""),
        Row(name: "several chunks, mixed-case hex", wire: "1\r\na\r\nA\r\n0123456789\r\nf\r\nabcdefghijklmno\r\n0\r\n\r\n",
            body: "a0123456789abcdefghijklmno"),
        Row(name: "leading zeros in sizes", wire: "0003\r\nabc\r\n0000\r\n\r\n", body: "abc"),
        Row(name: "data containing CRLF", wire: "4\r\n\r\n\r\n\r\n0\r\n\r\n", body: "\r\n\r\n"),
        Row(name: "extension with token value", wire: "3;foo=bar\r\nabc\r\n0\r\n\r\n", body: "abc"),
        Row(name: "extensions with BWS and quoted values",
            wire: "3 ;\tfoo = \"a;b=\\\"c\\\\\" ;bar\r\nabc\r\n0;x=\"\"\r\n\r\n", body: "abc"),
        Row(name: "trailer fields", wire: "3\r\nabc\r\n0\r\nExpires: never\r\nX-Sum:\t \r\n\r\n", body: "abc"),
        Row(name: "exactly at the limit", wire: "4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n", body: "abcdef", limit: 6),
    ]

    static let invalid: [Row] = [
        Row(name: "no size", wire: "\r\n", body: nil),
        Row(name: "non-hex size", wire: "z\r\n", body: nil),
        Row(name: "negative size", wire: "-1\r\n", body: nil),
        Row(name: "0x prefix", wire: "0x5\r\n", body: nil),
        Row(name: "17 size digits", wire: "00000000000000005\r\n", body: nil),
        Row(name: "size then junk", wire: "5x\r\n", body: nil),
        Row(name: "size line bare LF", wire: "5\nhello\r\n", body: nil),
        Row(name: "size line bare CR", wire: "5\rhello", body: nil),
        Row(name: "whitespace after size without extension", wire: "5 \r\nhello\r\n0\r\n\r\n", body: nil),
        Row(name: "extension without ;", wire: "5 foo\r\n", body: nil),
        Row(name: "extension with empty name", wire: "5;=x\r\n", body: nil),
        Row(name: "extension with non-token name", wire: "5;a@b\r\n", body: nil),
        Row(name: "extension value missing", wire: "5;a=\r\n", body: nil),
        Row(name: "extension with unterminated quote", wire: "5;a=\"x\r\n", body: nil),
        Row(name: "extension with CTL in quotes", wire: "5;a=\"\u{01}\"\r\n", body: nil),
        Row(name: "extension with token then quote", wire: "5;a=b\"c\"\r\n", body: nil),
        Row(name: "extension with quote then token", wire: "5;a=\"b\"c\r\n", body: nil),
        Row(name: "extension with bare LF", wire: "5;a\nhello", body: nil),
        Row(name: "data longer than the size", wire: "3\r\nabcd\r\n", body: nil),
        Row(name: "data shorter than the size", wire: "5\r\nabc\r\n0\r\n\r\n", body: nil),
        Row(name: "data followed by bare LF", wire: "3\r\nabc\n0\r\n\r\n", body: nil),
        Row(name: "trailer obs-fold", wire: "0\r\nX: a\r\n b\r\n\r\n", body: nil),
        Row(name: "trailer without colon", wire: "0\r\nX\r\n\r\n", body: nil),
        Row(name: "trailer with empty name", wire: "0\r\n: a\r\n\r\n", body: nil),
        Row(name: "trailer whitespace before colon", wire: "0\r\nX : a\r\n\r\n", body: nil),
        Row(name: "trailer with NUL", wire: "0\r\nX: a\u{0}b\r\n\r\n", body: nil),
        Row(name: "trailer bare LF", wire: "0\r\nX: a\n\r\n", body: nil),
        Row(name: "final CRLF missing LF", wire: "0\r\n\rx", body: nil),
        Row(name: "one byte over the limit", wire: "4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n", body: nil, status: 413, limit: 6),
        Row(name: "huge size", wire: "ffffffffffffffff\r\n", body: nil, status: 413),
        Row(name: "huge size under Int.max", wire: "fffffffffffffff0\r\n", body: nil, status: 413, limit: Int.max),
    ]

    static func decode(_ wire: [UInt8], limit: Int, pieces: [Range<Int>]) -> (BodyDecodeResult, [UInt8], Int) {
        var decoder = ChunkedDecoder(maxTrailerBytes: 64)
        var body: [UInt8] = []
        var fed = 0
        for piece in pieces {
            let result = wire[piece].withUnsafeBytes { decoder.decode($0, into: &body, limit: limit) }
            fed += piece.count
            if case .needMore = result { continue }
            return (result, body, fed - piece.count)   // result's offsets are relative to this piece
        }
        return (.needMore, body, fed)
    }

    @Test(arguments: valid)
    func decodesWholeAndDripFed(_ row: Row) {
        let wire = bytes(row.wire)
        let expected = bytes(row.body!)
        let (whole, body, _) = Self.decode(wire, limit: row.limit, pieces: [0..<wire.count])
        #expect(whole == .done(consumed: wire.count))
        #expect(body == expected)

        let (drip, dripBody, before) = Self.decode(wire, limit: row.limit, pieces: wire.indices.map { $0..<($0 + 1) })
        #expect(drip == .done(consumed: 1))
        #expect(before == wire.count - 1)   // needMore until the very last byte
        #expect(dripBody == expected)

        for cut in 1..<wire.count {
            let (split, splitBody, offset) = Self.decode(wire, limit: row.limit, pieces: [0..<cut, cut..<wire.count])
            #expect(split == .done(consumed: wire.count - cut) && offset == cut && splitBody == expected, "split at \(cut)")
        }
    }

    @Test(arguments: valid)
    func stopsAtTheEndOfTheBody(_ row: Row) {
        let wire = bytes(row.wire)
        let next = bytes("GET / HTTP/1.1\r\n\r\n")
        let (result, body, _) = Self.decode(wire + next, limit: row.limit, pieces: [0..<(wire.count + next.count)])
        #expect(result == .done(consumed: wire.count))
        #expect(body == bytes(row.body!))
    }

    @Test(arguments: invalid)
    func rejectsWholeAndDripFed(_ row: Row) {
        let wire = bytes(row.wire)
        let (whole, _, _) = Self.decode(wire, limit: row.limit, pieces: [0..<wire.count])
        #expect(whole == .invalid(Status(row.status)))
        let (drip, _, _) = Self.decode(wire, limit: row.limit, pieces: wire.indices.map { $0..<($0 + 1) })
        #expect(drip == .invalid(Status(row.status)))
    }

    @Test func trailersOverTheLimitAre431() {
        let wire = bytes("0\r\nX-Big: " + String(repeating: "t", count: 100) + "\r\n\r\n")
        let (result, _, _) = Self.decode(wire, limit: 1 << 20, pieces: [0..<wire.count])
        #expect(result == .invalid(.headerFieldsTooLarge))
    }

    @Test func overlongExtensionsAre400() {
        let wire = bytes("1;a=" + String(repeating: "x", count: ChunkedDecoder.maxExtensionBytes) + "\r\nz\r\n0\r\n\r\n")
        let (result, _, _) = Self.decode(wire, limit: 1 << 20, pieces: [0..<wire.count])
        #expect(result == .invalid(.badRequest))
    }

    @Test func limitCountsBytesAlreadyInTheBody() {
        var decoder = ChunkedDecoder()
        var body = bytes("abc")
        let result = bytes("3\r\nxyz\r\n0\r\n\r\n").withUnsafeBytes { decoder.decode($0, into: &body, limit: 5) }
        #expect(result == .invalid(.payloadTooLarge))
    }
}
