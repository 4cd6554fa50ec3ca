import Testing
@testable import JSON

@Suite struct JSONParseTests {
    @Test(arguments: [
        ("null", JSON.null), ("true", .bool(true)), ("false", .bool(false)), ("0", .int(0)), ("-12", .int(-12)),
        ("1.5", .double(1.5)), ("1e3", .double(1000)), ("-0.25E-2", .double(-0.0025)), ("\"a\\nb\"", .string("a\nb")),
        ("\"\\u00e9\\ud83d\\ude00\"", .string("é😀")), ("[]", .array([])), ("{}", .object([])),
        (" [1, {\"a\": [true]}] ", .array([.int(1), .object([("a", .array([.bool(true)]))])])),
        ("9223372036854775807", .int(Int64.max)), ("9223372036854775808", .double(9223372036854775808)),
    ])
    func validDocuments(_ text: String, _ expected: JSON) throws {
        #expect(try JSON.parse(text) == expected)
    }

    @Test(arguments: [
        "", " ", "[1,]", "{\"a\":1,}", "01", "-", "1.", ".5", "1e", "+1", "tru", "nul", "\"abc", "\"a\u{01}b\"",
        "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "{a:1}", "{\"a\" 1}", "[1 2]", "1 2", "NaN",
        "Infinity", "1e999", "'a'", "[", "{",
    ])
    func invalidDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: JSONParseError.self) { try JSON.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSON.parse([0x22, 0xC3, 0x22]) }
    }

    @Test func deepNestingIsRejectedWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep) }
        let ok = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect((try? JSON.parse(ok)) != nil)
    }

    @Test func keyOrderIsKeptAndDuplicatesResolveToLast() throws {
        let v = try JSON.parse("{\"z\":1,\"a\":2,\"z\":3}")
        #expect(v.text == "{\"z\":3,\"a\":2}")
        var many = "{"
        for i in 0..<40 { many += "\"k\(i)\":\(i)," }
        many += "\"k3\":99}"
        let m = try JSON.parse(many)
        #expect(m["k3"] == .int(99))
        #expect(m.object?.count == 40)
    }
}

@Suite struct JSONWriteTests {
    @Test func roundTripIsVerbatimForCompactInput() throws {
        let text = #"{"id":"n1","position":{"x":10,"y":-2.5},"data":{"label":"Hi \"you\"","list":[null,true,1e-7]},"measured":{"width":120}}"#
        let v = try JSON.parse(text)
        let again = try JSON.parse(v.bytes)
        #expect(again == v)
        #expect(v["position"]?["x"] == .int(10))
    }

    @Test func escapesControlCharacters() {
        #expect(JSON.string("a\u{0}\u{1f}\"\\\n").text == #""a\u0000\u001f\"\\\n""#)
    }

    @Test func numbersPrintLikeJavaScript() {
        #expect(JSON.double(2.0).text == "2")
        #expect(JSON.double(0.1).text == "0.1")
        #expect(JSON.int(-42).text == "-42")
        #expect(JSON.double(.nan).text == "null")
    }

    @Test func setAndRemoveKeepOrder() {
        var o: JSON = ["a": 1, "b": 2]
        o.set("a", 3)
        o.set("c", 4)
        o.remove("b")
        #expect(o.text == #"{"a":3,"c":4}"#)
    }
}
