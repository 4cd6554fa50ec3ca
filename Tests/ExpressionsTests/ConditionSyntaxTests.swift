import Testing
@testable import Expressions

@Suite struct ConditionSyntaxTests {
    @Test(arguments: [
        ("", "expected a value, found the end at 0"),
        ("   ", "expected a value, found the end at 3"),
        ("(1 === 1", "expected \")\" at 8"),
        ("{{@a:HTTP.status}} === (200 && 1", "expected \")\" at 32"),
        ("1 ===", "expected a value, found the end at 5"),
        ("1 2", "expected an operator or the end, found a number at 2"),
        ("1 = 2", "unexpected \"=\" at 2"),
        ("1 & 2", "unexpected \"&\" at 2"),
        ("1 | 2", "unexpected \"|\" at 2"),
        ("'abc", "unterminated string at 0"),
        ("x == 1", "unknown name \"x\" at 0"),
        ("'a'.foo()", "expected \"length\" or a method name after \".\" at 4"),
        ("'a'.trim", "expected \"(\" at 8"),
        ("'a'.includes('a', 'b')", "expected \")\" at 16"),
        ("'a'.", "expected \"length\" or a method name after \".\" at 4"),
        ("[1]", "expected a value, found \"[\" at 0"),
        ("'a'[true]", "expected a number or a string after \"[\" at 4"),
        ("'a'[0", "expected \"]\" at 5"),
        ("-{{@a:HTTP.status}}", "expected a number after \"-\" at 1"),
        ("-'1'", "expected a number after \"-\" at 1"),
        ("{{@a}} === 1", "invalid template (expected {{@node:Label.path}}) at 0"),
        ("'\\x'", "invalid escape \\x at 1"),
        ("'\\u12G4'", "expected 4 hex digits after \\u at 1"),
        ("1e+", "expected exponent digits at 3"),
        ("é === 1", "unknown name \"é\" at 0"),
        ("'é' === #", "unexpected \"#\" at 8"),
        (")", "expected a value, found \")\" at 0"),
    ])
    func syntaxErrorsSayWhereAndWhatWasExpected(_ expression: String, _ reason: String) {
        #expect(throws: ConditionSyntaxError.self) { try Condition.parse(expression) }
        #expect(Fixtures.evaluate(expression) == "error: " + reason)
    }

    @Test func inputIsLimitedTo4096Characters() throws {
        let ok = "'" + String(repeating: "é", count: 4_094) + "'"
        #expect(ok.unicodeScalars.count == 4_096)
        #expect(try Condition.parse(ok).value(lookup: Fixtures.lookup).isTruthy)
        for tooLong in [ok + " ", String(repeating: "1 || ", count: 100_000) + "1"] {
            #expect(throws: ConditionSyntaxError(message: "expression longer than 4096 characters")) {
                try Condition.parse(tooLong)
            }
        }
    }

    @Test func nestingIsLimitedTo64Levels() throws {
        // The top level is depth 0; each "(", "!" and method argument adds one.
        let ok = String(repeating: "(", count: 64) + "1" + String(repeating: ")", count: 64)
        #expect(Fixtures.evaluate(ok) == "1")
        #expect(Fixtures.evaluate(String(repeating: "!", count: 64) + "1") == "true")
        #expect(Fixtures.evaluate(String(repeating: "'a'.toString(", count: 64) + "'b'" + String(repeating: ")", count: 64))
                == #""a""#)
        let deep = String(repeating: "(", count: 65) + "1" + String(repeating: ")", count: 65)
        #expect(Fixtures.evaluate(deep) == "error: nesting deeper than 64 levels at 65")
        #expect(Fixtures.evaluate(String(repeating: "!", count: 65) + "1") == "error: nesting deeper than 64 levels at 65")
        let args = String(repeating: "'a'.includes(", count: 65) + "'a'" + String(repeating: ")", count: 65)
        #expect(Fixtures.evaluate(args).hasPrefix("error: nesting deeper than 64 levels"))
        // Long flat chains are not nesting.
        let chain = String(repeating: "0 || ", count: 800) + "1"
        #expect(Fixtures.evaluate(chain) == "1")
        let postfix = "'A'" + String(repeating: ".toLowerCase()", count: 290)
        #expect(Fixtures.evaluate(postfix) == #""a""#)
    }

    @Test func errorsCarryTheOffset() {
        #expect(throws: ConditionSyntaxError.self) { try Condition.parse("(1") }
        do {
            _ = try Condition.parse("1 === (2")
        } catch {
            #expect(error.offset == 8)
            #expect(error.description == "expected \")\" at 8")
        }
    }
}
