// libFuzzer target for the Condition language and the template scanner. Not a package target: scripts/fuzz.sh compiles
// it into the Expressions module (`-module-name Expressions`), so it sees internals. Each input is read as UTF-8
// (lossy), parsed and evaluated against fixed outputs; templates and redaction run on the same text. Nothing may crash
// or hang, and a few invariants must hold.
import JSON

let outputs: [String: Visibility] = [
    "a": .output(["success": true, "status": 200, "data": ["items": [1, 2.5, "x", nil, ["k": "v"]], "name": "Ada"]]),
    "b": .output(["email": "Ada@Example.com", "tags": ["x", "y"], "n": 0, "s": "  hé👋🏽 ", "o": ["m": [[], [:]]]]),
    "c": .empty,
    "d": .output(.string("0x1F")),
]

let redactor = Redactor(secrets: ["supersecretvalue", "supersecret", "ab👋🏽cdefgh", "short"])

func lookup(_ id: String) -> Visibility { outputs[id] ?? .invisible }

func fail(_ message: String) -> Never {
    fatalError("invariant broken: \(message)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Inputs past twice the length limit only exercise the length check; keep per-input work bounded.
    let text = String(decoding: UnsafeBufferPointer(start: data, count: min(size, 2 * Condition.maxLength)), as: UTF8.self)

    do {
        let expression = try Condition.parse(text)
        let first = expression.evaluate(lookup: lookup)
        let second = expression.evaluate(lookup: lookup)
        if first.value != second.value { fail("evaluation not deterministic") }
        if first.values.count > expression.templates.count { fail("more values than templates") }
        if expression.value(lookup: lookup).isTruthy != first.value { fail("value and evaluate disagree") }
        _ = Condition.logInput(expression: text, result: first.value, values: first.values).text
    } catch {
        if error.reason.isEmpty { fail("empty syntax error") }
        if text.unicodeScalars.count <= Condition.maxLength && error.offset > text.unicodeScalars.count {
            fail("error offset \(error.offset) past the end")
        }
    }

    // Templates: an identity rewrite and rendering with nothing visible keep the text; rendering never crashes.
    if Template.rewrite(text, { $0.text }) != text { fail("identity rewrite changed the text") }
    if Template.render(text, outputs: { _ in .invisible }) != text { fail("invisible render changed the text") }
    _ = Template.render(text, outputs: lookup)
    _ = Template.renderJSONValues(["k": .string(text), "l": [.string(text)]], outputs: lookup)

    // Redaction: never crashes, keys untouched, sensitive keys masked.
    let redacted = redactor.redact(["message": .string(text), text: .string(text), "token": .string(text)])
    guard case .object(let members) = redacted, members.count == 3 else {
        fail("redaction changed the shape")
    }
    if redacted["token"] != .string(Redactor.mask(text)) { fail("token not masked") }
    if redactor.redact(text).contains("supersecretvalue") { fail("secret left in text") }
    return 0
}
