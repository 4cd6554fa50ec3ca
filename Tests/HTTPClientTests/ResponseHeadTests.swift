// ResponseHead parsing, table-driven, with every valid head also drip-fed one byte at a time; and body framing rules.
import Testing
@testable import HTTPClient

@Suite struct ResponseHeadTests {
    static func parse(_ text: String) -> ResponseHead.ParseResult {
        ResponseHead.parse(Array(text.utf8)[...])
    }

    @Test func parsesStatusAndHeaders() throws {
        let wire = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Empty:\r\nX-Spaces:  a b  \r\n\r\nbody"
        guard case .head(let head, let consumed) = Self.parse(wire) else { Issue.record("no head"); return }
        #expect(head.status == 200)
        #expect(head.minorVersion == 1)
        #expect(head.headers.map { $0.0 } == ["Content-Type", "X-Empty", "X-Spaces"])
        #expect(head.value("content-type") == "text/plain")
        #expect(head.value("x-empty") == "")
        #expect(head.value("x-spaces") == "a b")
        #expect(consumed == wire.utf8.count - 4)
    }

    @Test func everyPrefixNeedsMore() {
        let raw = Array("HTTP/1.0 404 Not Found\r\nA: b\r\n\r\n".utf8)
        for cut in 0..<raw.count {
            #expect(ResponseHead.parse(raw[..<cut]) == .needMore, "cut at \(cut)")
        }
        guard case .head(let head, let consumed) = ResponseHead.parse(raw[...]) else { Issue.record("no head"); return }
        #expect(head.status == 404 && head.minorVersion == 0 && consumed == raw.count)
    }

    @Test func acceptsBareLFAndNoReason() {
        guard case .head(let head, _) = Self.parse("HTTP/1.1 204\nA: b\n\n") else { Issue.record("no head"); return }
        #expect(head.status == 204)
        #expect(head.value("a") == "b")
    }

    @Test(arguments: [
        "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 099 X\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo colon\r\n\r\n", "HTTP/1.1 200 OK\r\nA : b\r\n\r\n", "HTTP/1.1 200 OK\r\n folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty\r\n\r\n", "HTTP/1.1 200 OK\r\nA: b\u{01}\r\n\r\n", "SSH-2.0-OpenSSH\r\n",
        "\u{16}\u{03}\u{01}",
    ])
    func rejectsMalformedHeads(_ wire: String) {
        guard case .invalid = Self.parse(wire) else { Issue.record("accepted \(wire.debugDescription)"); return }
    }

    @Test func rejectsOversizedHead() {
        let wire = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: ResponseHead.maxBytes) + "\r\n\r\n"
        guard case .invalid = Self.parse(wire) else { Issue.record("accepted"); return }
    }

    static func head(_ status: Int, _ headers: [(String, String)]) -> ResponseHead {
        ResponseHead(status: status, minorVersion: 1, headers: headers)
    }

    @Test func framingFollowsRFC9112() throws {
        #expect(try ResponseFraming.of(Self.head(200, [("Content-Length", "5")]), method: "HEAD") == .none)
        #expect(try ResponseFraming.of(Self.head(204, []), method: "GET") == .none)
        #expect(try ResponseFraming.of(Self.head(304, [("Content-Length", "5")]), method: "GET") == .none)
        #expect(try ResponseFraming.of(Self.head(200, [("Content-Length", "5")]), method: "GET") == .length(5))
        #expect(try ResponseFraming.of(Self.head(200, [("Content-Length", "5, 5")]), method: "GET") == .length(5))
        #expect(try ResponseFraming.of(Self.head(200, [("Transfer-Encoding", "gzip, Chunked"), ("Content-Length", "5")]),
                                       method: "GET") == .chunked)
        #expect(try ResponseFraming.of(Self.head(200, [("Transfer-Encoding", "gzip")]), method: "GET") == .untilClose)
        #expect(try ResponseFraming.of(Self.head(200, []), method: "GET") == .untilClose)
        #expect(throws: ClientError.protocolError("invalid Content-Length")) {
            try ResponseFraming.of(Self.head(200, [("Content-Length", "5"), ("Content-Length", "6")]), method: "GET")
        }
        #expect(throws: ClientError.protocolError("invalid Content-Length")) {
            try ResponseFraming.of(Self.head(200, [("Content-Length", "-1")]), method: "GET")
        }
    }
}
