import JSON
import Testing
@testable import Expressions

@Suite struct TemplateTests {
    @Test(arguments: [
        ("Hello {{@n1:Webhook.user.name}}, you have {{@n2:Find Issues.count}} issues", "Hello Ada, you have 3 issues"),
        // Auto-unwrap: `status` is a top-level key, `items` is not, so it walks from `.data`.
        ("{{@a:HTTP.status}}", "200"),
        ("{{@a:HTTP.items}}", "[1,2,3]"),
        ("{{@a:HTTP.data.items}}", "[1,2,3]"),
        ("{{@a:HTTP.data.status}}", "inner"),
        ("{{@a:HTTP.success}}", "true"),
        ("{{@a:HTTP}}", #"{"success":true,"status":200,"data":{"items":[1,2,3],"name":"Ada","empty":"","nothing":null,"status":"inner"}}"#),
        // No unwrap without both keys.
        ("{{@n1:W.data}}", ""),
        // Indexes.
        ("{{@a:HTTP.items.0}}", "1"),
        ("{{@a:HTTP.items[2]}}", "3"),
        ("{{@n1:W.user.tags[1]}}", "y"),
        ("{{@n1:W.user.tags.1}}", "y"),
        ("{{@a:HTTP.items.3}}", ""),
        ("{{@a:HTTP.items.x}}", ""),
        ("{{@a:HTTP.name.0}}", ""),
        // Missing, null, empty string.
        ("[{{@a:HTTP.missing.deeper}}]", "[]"),
        ("[{{@a:HTTP.nothing}}]", "[]"),
        ("[{{@a:HTTP.empty}}]", "[]"),
        // Objects render as compact JSON.
        ("{{@n1:W.user}}", #"{"name":"Ada","tags":["x","y"]}"#),
        // Failed/skipped ancestor → ""; non-ancestor or unknown id stays literal.
        ("x{{@f:Failed.anything}}y", "xy"),
        ("x{{@zz:Other.a}}y", "x{{@zz:Other.a}}y"),
        // Malformed templates are text.
        ("{{@a}} {{@:L}} {{@a:L.}} {{@a:L.x[}} {{@a:HTTP.status}", "{{@a}} {{@:L}} {{@a:L.}} {{@a:L.x[}} {{@a:HTTP.status}"),
        ("{{{@a:HTTP.status}}}", "{200}"),
        ("no templates", "no templates"),
        ("{{@a:HTTP.status}}{{@n2:C.count}}", "2003"),
    ])
    func rendersStrings(_ input: String, _ expected: String) {
        #expect(Template.render(input, outputs: Fixtures.lookup) == expected)
    }

    @Test func referencesCarryIdLabelPathAndRange() {
        let s = "a {{@n-1:My Label.data.items[0].name}} b {{@x:Y}}"
        let refs = Template.references(in: s)
        #expect(refs.count == 2)
        #expect(refs[0].nodeID == "n-1")
        #expect(refs[0].label == "My Label")
        #expect(refs[0].path == ["data", "items", "0", "name"])
        #expect(refs[0].labelPath == "My Label.data.items[0].name")
        #expect(String(s[refs[0].range]) == "{{@n-1:My Label.data.items[0].name}}")
        #expect(refs[0].text == String(s[refs[0].range]))
        #expect(refs[1].path.isEmpty)
        #expect(refs[1].labelPath == "Y")
    }

    @Test func rewriteReplacesOnlyWhereTheTransformAnswers() {
        let s = "{{@old:A.x}} and {{@keep:B}} and {{@old:C[0]}}"
        let out = Template.rewrite(s) { ref in
            ref.nodeID == "old" ? "{{@new:\(ref.labelPath)}}" : nil
        }
        // `C[0]` is a label (the label runs to the first "."); it is rewritten as written.
        #expect(out == "{{@new:A.x}} and {{@keep:B}} and {{@new:C[0]}}")
        #expect(Template.rewrite("é{{@old:A}}é") { _ in "→" } == "é→é")
    }

    @Test func resolveDistinguishesLiteralMissingAndValues() {
        func resolve(_ s: String) -> Resolution {
            Template.resolve(Template.references(in: s)[0], outputs: Fixtures.lookup)
        }
        #expect(resolve("{{@zz:X.a}}") == .literal)
        #expect(resolve("{{@f:X.a}}") == .missing)
        #expect(resolve("{{@a:X.nope}}") == .missing)
        #expect(resolve("{{@a:X.nothing}}") == .value(.null))
        #expect(resolve("{{@a:X.items}}") == .value([1, 2, 3]))
    }

    @Test func renderConfigWalksNestedValuesAndSkipsExcludedKeys() {
        let config: JSON = [
            "actionType": "{{@a:H.status}}", "integrationId": "{{@a:H.status}}", "condition": "{{@a:H.status}} === 200",
            "dbQuery": "select {{@a:H.name}}",
            "url": "https://x/{{@a:H.name}}",
            "headers": ["X-N": "{{@n2:C.count}}", "list": ["{{@a:H.items[1]}}", 7, nil, ["{{@zz:Q.q}}"]]],
            "n": 5,
        ]
        let out = Template.renderConfig(config, outputs: Fixtures.lookup)
        let expected: JSON = [
            "actionType": "{{@a:H.status}}", "integrationId": "{{@a:H.status}}", "condition": "{{@a:H.status}} === 200",
            "dbQuery": "select {{@a:H.name}}",
            "url": "https://x/Ada",
            "headers": ["X-N": "3", "list": ["2", 7, nil, ["{{@zz:Q.q}}"]]],
            "n": 5,
        ]
        #expect(out == expected)
        #expect(out.text.hasPrefix(#"{"actionType""#))
        // Nested keys named like excluded ones are rendered; a custom exclusion set replaces the default.
        #expect(Template.renderConfig(["o": ["condition": "{{@n2:C.count}}"]], outputs: Fixtures.lookup)
            == ["o": ["condition": "3"]])
        #expect(Template.renderConfig(["condition": "{{@n2:C.count}}"], excluding: [], outputs: Fixtures.lookup)
            == ["condition": "3"])
    }

    @Test func renderJSONValuesKeepsInsertedTextInsideStrings() throws {
        let body = try JSON.parse(#"{"name":"{{@a:H.name}}","user":"{{@n1:W.user}}","n":"{{@n2:C.count}}","{{@a:H.name}}":1}"#)
        let out = Template.renderJSONValues(body, outputs: Fixtures.lookup)
        // Keys untouched; an object inserted into a string is escaped when the caller serialises; a lone template stays a string.
        #expect(out.text == #"{"name":"Ada","user":"{\"name\":\"Ada\",\"tags\":[\"x\",\"y\"]}","n":"3","{{@a:H.name}}":1}"#)
    }
}
