import JSON
import Testing
@testable import Expressions

@Suite struct ConditionTests {
    @Test(arguments: [
        // SPEC's examples.
        ("{{@a:HTTP.status}} === 200 && {{@a:HTTP.data.items}}.length > 0", "true"),
        ("{{@t:Webhook.email}}.toLowerCase().endsWith('@example.com')", "true"),
        ("!({{@s:Search.data}}.length == 0)", "false"),
        // Literals.
        ("1", "1"), ("1.5", "1.5"), ("1e3", "1000"), ("2.5E-1", "0.25"), ("-3", "-3"), ("- 3", "-3"),
        ("'a'", #""a""#), (#""b""#, #""b""#), ("true", "true"), ("false", "false"), ("null", "null"),
        ("undefined", "undefined"), ("(((1)))", "1"),
        // Escapes.
        (#"'it\'s'"#, #""it's""#), (#""say \"hi\"""#, #""say \"hi\"""#), (#"'a\\b'"#, #""a\\b""#),
        (#"'a\nb\tc'"#, #""a\nb\tc""#), (#"'\u00e9\u0041'"#, #""éA""#), (#"'\ud800'"#, "\"\u{FFFD}\""),
    ])
    func literals(_ expression: String, _ expected: String) {
        #expect(Fixtures.evaluate(expression) == expected)
    }

    @Test(arguments: [
        // === / !==: same type and equal; deep on arrays and objects.
        ("1 === 1", "true"), ("1 === '1'", "false"), ("'a' === 'a'", "true"), ("null === undefined", "false"),
        ("null === null", "true"), ("undefined === undefined", "true"), ("true === true", "true"), ("1 !== '1'", "true"),
        ("{{@t:W.tags}} === {{@t:W.tags}}", "true"), ("{{@t:W.tags}} === {{@n1:W.user.tags}}", "false"),
        ("{{@n1:W.user.tags}} === {{@n1:W.user.tags}}", "true"), ("{{@t:W.obj}} === {{@t:W.obj}}", "true"),
        ("{{@t:W.obj}} !== {{@n1:W.user}}", "true"), ("{{@t:W.obj.m}} === {{@a:H.items}}", "false"),
        ("{{@t:W.ratio}} === 0.5", "true"), ("{{@t:W.count}} === 3", "true"),
        // == / !=: null == undefined; number vs string or bool numerically; otherwise as ===.
        ("null == undefined", "true"), ("undefined == null", "true"), ("null != undefined", "false"),
        ("null == 0", "false"), ("null == false", "false"), ("undefined == 0", "false"),
        ("1 == '1'", "true"), ("'1' == 1", "true"), ("42 == {{@t:W.num}}", "true"), ("0 == ''", "true"),
        ("1 == true", "true"), ("0 == false", "true"), ("2 == true", "false"), ("1 == 'x'", "false"),
        ("'1' == true", "false"), ("'a' == 'a'", "true"), ("'a' != 'b'", "true"),
        ("{{@t:W.tags}} == {{@t:W.tags}}", "true"), ("{{@zz:X.y}} == undefined", "true"), ("{{@t:W.nil}} == null", "true"),
        ("{{@t:W.nil}} === null", "true"), ("{{@t:W.missing}} === undefined", "true"), ("{{@f:F.x}} === undefined", "true"),
        // NaN is unequal to everything.
        ("'x' == 'x'", "true"), ("'0x10' == 16", "true"), ("' 12 ' == 12", "true"), ("'1e2' == 100", "true"),
    ])
    func equality(_ expression: String, _ expected: String) {
        #expect(Fixtures.evaluate(expression) == expected)
    }

    @Test(arguments: [
        ("1 < 2", "true"), ("2 < 1", "false"), ("2 <= 2", "true"), ("3 > 2", "true"), ("2 >= 3", "false"),
        ("1 < 2 < 3", "true"), ("3 > 2 > 1", "false"),   // (3 > 2) → true → 1 > 1
        // Strings by Unicode scalar order.
        ("'a' < 'b'", "true"), ("'B' < 'a'", "true"), ("'10' < '9'", "true"), ("'abc' < 'abd'", "true"),
        ("'ab' < 'abc'", "true"), ("'é' > 'z'", "true"), ("'\u{FF5E}' < '😀'", "true"), ("'a' <= 'a'", "true"),
        // Otherwise numbers: "" → 0, null → 0, true → 1, non-numeric strings and undefined → NaN → false.
        ("'10' < 9", "false"), ("'' < 1", "true"), ("'' >= 0", "true"), ("null < 1", "true"), ("null >= 0", "true"),
        ("true > 0", "true"), ("false < true", "true"), ("'x' < 1", "false"), ("'x' >= 1", "false"),
        ("undefined < 1", "false"), ("undefined >= 0", "false"), ("{{@zz:X.y}} > 0", "false"),
        ("{{@t:W.num}} > 41", "true"),
        // Arrays and objects compare as their JavaScript strings.
        ("{{@a:H.items}} < 2", "false"), ("{{@t:W.obj}} < 1", "false"), ("{{@a:H.items}} < '1,3'", "true"),
    ])
    func relational(_ expression: String, _ expected: String) {
        #expect(Fixtures.evaluate(expression) == expected)
    }

    @Test(arguments: [
        // && / || yield the deciding operand and short-circuit.
        ("1 && 'x'", #""x""#), ("0 && 'x'", "0"), ("'' || 'y'", #""y""#), ("'a' || 'b'", #""a""#),
        ("null || undefined", "undefined"), ("undefined && 1", "undefined"), ("0 || '' || null", "null"),
        ("1 && 2 && 3", "3"), ("1 || 2 && 0", "1"), ("(1 || 2) && 0", "0"), ("false || {{@t:W.tags}}", #"["x","y",2]"#),
        // ! yields a boolean; truthiness of every kind.
        ("!0", "true"), ("!1", "false"), ("!''", "true"), ("!'0'", "false"), ("!null", "true"), ("!undefined", "true"),
        ("!{{@s:S.data}}", "false"), ("!{{@t:W.obj}}", "false"), ("!!{{@t:W.zero}}", "false"), ("!!'x'", "true"),
        ("!('x' * 1)", "error: unexpected \"*\" at 6"),
        ("!!!!true", "true"), ("!!!true", "false"),
    ])
    func logicAndTruthiness(_ expression: String, _ expected: String) {
        #expect(Fixtures.evaluate(expression) == expected)
    }

    @Test(arguments: [
        // .length counts Unicode scalars on strings; arrays count elements; anything else undefined.
        ("'abc'.length", "3"), ("''.length", "0"), ("'👋🏽'.length", "2"), ("'é'.length", "1"), ("'e\u{301}'.length", "2"),
        ("{{@t:W.text}}.length", "11"), ("{{@a:H.items}}.length", "3"), ("{{@s:S.data}}.length", "0"),
        ("1.length", "undefined"), ("(1).length", "undefined"), ("{{@t:W.obj}}.length", "undefined"),
        ("null.length", "undefined"), ("{{@zz:X.y}}.length", "undefined"), ("true.length", "undefined"),
        // Methods on strings.
        ("'abc'.includes('b')", "true"), ("'abc'.includes('d')", "false"), ("'abc'.includes('')", "true"),
        ("'a1'.includes(1)", "true"), ("'abc'.includes()", "false"), ("'xundefinedx'.includes()", "true"),
        ("'abc'.startsWith('ab')", "true"), ("'abc'.startsWith('b')", "false"), ("'abc'.endsWith('bc')", "true"),
        ("'abc'.endsWith('abcd')", "false"), ("'é'.startsWith('e')", "false"), ("'e\u{301}'.startsWith('e')", "true"),
        ("'AbC'.toLowerCase()", #""abc""#), ("'AbC'.toUpperCase()", #""ABC""#), ("'straße'.toUpperCase()", #""STRASSE""#),
        ("{{@t:W.text}}.trim()", #""héllo 👋🏽""#), ("'\n\t x \u{A0}'.trim()", #""x""#),
        ("'abc'.toString()", #""abc""#), ("'AbC'.toLowerCase().toUpperCase().length", "3"),
        // includes on arrays compares elements with ===.
        ("{{@t:W.tags}}.includes('x')", "true"), ("{{@t:W.tags}}.includes(2)", "true"), ("{{@t:W.tags}}.includes('2')", "false"),
        ("{{@a:H.items}}.includes(4)", "false"),
        // toString formats like JavaScript.
        ("1.toString()", #""1""#), ("1.5.toString()", #""1.5""#), ("1e21.toString()", #""1e+21""#),
        ("123456789012345680000.toString()", #""123456789012345680000""#), ("0.000001.toString()", #""0.000001""#),
        ("0.0000001.toString()", #""1e-7""#), ("1.5e-7.toString()", #""1.5e-7""#), ("(-2.5).toString()", #""-2.5""#),
        ("0.1.toString()", #""0.1""#), ("true.toString()", #""true""#), ("{{@t:W.tags}}.toString()", #""x,y,2""#),
        ("{{@t:W.obj}}.toString()", #""[object Object]""#), ("null.toString()", "undefined"),
        ("undefined.toString()", "undefined"), ("{{@t:W.count}}.toString() === '3'", "true"),
        // Methods on anything else → undefined.
        ("1.includes(1)", "undefined"), ("null.trim()", "undefined"), ("{{@t:W.obj}}.startsWith('a')", "undefined"),
        ("{{@t:W.tags}}.toLowerCase()", "undefined"), ("{{@zz:X.y}}.toLowerCase().endsWith('x')", "undefined"),
        ("true.toUpperCase()", "undefined"),
        // Indexing.
        ("{{@a:H.items}}[0]", "1"), ("{{@a:H.items}}[2]", "3"), ("{{@a:H.items}}[3]", "undefined"),
        ("{{@a:H.items}}[1.5]", "undefined"), ("{{@a:H.items}}['1']", "2"), ("{{@a:H.items}}['01']", "undefined"),
        ("{{@t:W.obj}}['k']", "1"), ("{{@t:W.obj}}[\"m\"][1]", "2"), ("{{@t:W.obj}}['zz']", "undefined"),
        ("'abc'[1]", #""b""#), ("'👋🏽'[1]", "\"\u{1F3FD}\""), ("'abc'[3]", "undefined"), ("1[0]", "undefined"),
        ("null['a']", "undefined"), ("{{@zz:X.y}}[0]", "undefined"), ("{{@t:W.nil}}[0]", "undefined"),
    ])
    func lengthMethodsAndIndexing(_ expression: String, _ expected: String) {
        #expect(Fixtures.evaluate(expression) == expected)
    }

    @Test func evaluateReportsTheBooleanAndEveryTemplateValue() throws {
        let text = "{{@zz:Other.x}} || {{@a:HTTP.status}} === 200 || {{@a:HTTP.data.items}}.length > 0 || {{@a:HTTP.status}}"
        let expr = try Condition.parse(text)
        let result = expr.evaluate(lookup: Fixtures.lookup)
        #expect(result.value == true)
        // Every template, even those short-circuiting skipped, once per text; undefined is logged as null.
        #expect(JSON.object(result.values).text == #"{"Other.x":null,"HTTP.status":200,"HTTP.data.items":[1,2,3]}"#)
        let log = Condition.logInput(expression: text, result: result.value, values: result.values)
        #expect(log.text == #"{"condition":true,"expression":""# + text + #"","values":{"Other.x":null,"HTTP.status":200,"HTTP.data.items":[1,2,3]}}"#)
    }

    @Test(arguments: [("0", false), ("''", false), ("null", false), ("undefined", false), ("'x' < 1", false),
                      ("{{@s:S.data}}", true), ("{{@t:W.obj}}", true), ("' '", true), ("-1", true), ("{{@f:F.x}}", false)])
    func finalValueIsConvertedByTruthiness(_ expression: String, _ expected: Bool) throws {
        let expr = try #require(try? Condition.parse(expression))
        #expect(expr.evaluate(lookup: Fixtures.lookup).value == expected)
    }

    @Test func numbersParseAndFormatLikeJavaScript() {
        let toNumber: [(String, Double?)] = [("", 0), ("  ", 0), ("12", 12), (" -1.5 ", -1.5), ("+3", 3), (".5", 0.5),
                                             ("5.", 5), ("1e3", 1000), ("0x1F", 31), ("0b11", 3), ("0o17", 15),
                                             ("Infinity", .infinity), ("-Infinity", -.infinity), ("abc", nil), ("1a", nil),
                                             ("-0x1", nil), ("inf", nil), ("nan", nil), ("1e", nil), (".", nil), ("0x", nil)]
        for (text, expected) in toNumber {
            let n = ConditionValue.parseNumber(text)
            if let expected { #expect(n == expected, "\(text)") } else { #expect(n.isNaN, "\(text)") }
        }
        let formats: [(Double, String)] = [(0, "0"), (-0.0, "0"), (100, "100"), (1e20, "100000000000000000000"),
                                           (1e21, "1e+21"), (1.25e-6, "0.00000125"), (1e-7, "1e-7"),
                                           (123.456, "123.456"), (.nan, "NaN"), (-.infinity, "-Infinity"),
                                           (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
                                           (-0.5, "-0.5"), (2.5e25, "2.5e+25")]
        for (d, expected) in formats { #expect(ConditionValue.format(d) == expected) }
    }
}
