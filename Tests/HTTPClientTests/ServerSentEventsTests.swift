// ServerSentEvents on its own: line endings, multi-line data, comments, events split at every byte.
import Testing
@testable import HTTPClient

@Suite struct ServerSentEventsTests {
    static func feedWhole(_ text: String) -> [String] {
        var parser = ServerSentEvents()
        return parser.feed(Array(text.utf8))
    }

    static func feedBytewise(_ text: String) -> [String] {
        var parser = ServerSentEvents()
        return Array(text.utf8).flatMap { parser.feed([$0]) }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let stream: String
        let events: [String]
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "LF", stream: "data: a\n\ndata: b\n\n", events: ["a", "b"]),
        Row(name: "CRLF", stream: "data: a\r\n\r\ndata: b\r\n\r\n", events: ["a", "b"]),
        Row(name: "bare CR", stream: "data: a\r\rdata: b\r\r", events: ["a", "b"]),
        Row(name: "multi-line data", stream: "data: one\ndata: two\ndata:three\n\n", events: ["one\ntwo\nthree"]),
        Row(name: "comments and other fields", stream: ": keep-alive\nevent: x\nid: 1\nretry: 5\ndata: {\"a\":1}\n\n",
            events: ["{\"a\":1}"]),
        Row(name: "event without data is skipped", stream: "event: ping\n\ndata: x\n\n", events: ["x"]),
        Row(name: "empty data field", stream: "data\n\ndata:\n\n", events: ["", ""]),
        Row(name: "only one leading space removed", stream: "data:  two spaces\n\n", events: [" two spaces"]),
        Row(name: "unfinished event is held back", stream: "data: a\n\ndata: b\n", events: ["a"]),
        Row(name: "BOM at the start", stream: "\u{FEFF}data: a\n\n", events: ["a"]),
        Row(name: "OpenAI style", stream: "data: {\"choices\":[]}\n\ndata: [DONE]\n\n", events: ["{\"choices\":[]}", "[DONE]"]),
    ]

    @Test(arguments: rows)
    func parsesWholeAndBytewise(_ row: Row) {
        #expect(Self.feedWhole(row.stream) == row.events)
        #expect(Self.feedBytewise(row.stream) == row.events)
    }

    @Test func crlfSplitAcrossPiecesIsOneLineEnd() {
        var parser = ServerSentEvents()
        #expect(parser.feed(Array("data: a\r".utf8)) == [])
        #expect(parser.feed(Array("\n\r".utf8)) == ["a"])
        #expect(parser.feed(Array("\ndata: b\n\n".utf8)) == ["b"])
    }
}
