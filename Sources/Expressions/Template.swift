// Template resolution and rendering (SPEC §4.1): finding `{{@node:Label.path}}` references, resolving them against the
// outputs a step may see, and rendering strings, configs and parsed JSON bodies. Pure; any thread.
import JSON

/// What a node id stands for, seen from the step being rendered.
public enum Visibility: Sendable, Equatable {
    /// A non-ancestor or unknown id: the template stays as literal text (undefined in a condition).
    case invisible
    /// An ancestor that was skipped, disabled or failed: renders "" (undefined in a condition).
    case empty
    /// An ancestor's in-memory, unredacted output.
    case output(JSON)
}

/// A resolved reference.
public enum Resolution: Sendable, Equatable {
    /// Leave the template as written.
    case literal
    /// Visible but nothing there (empty ancestor or missing path): renders "".
    case missing
    case value(JSON)
}

/// Template functions; `outputs` maps a node id to what the current step sees of it.
public enum Template {
    /// Top-level config keys that are never rendered (SPEC §4.1).
    public static let excludedConfigKeys: Set<String> = ["actionType", "integrationId", "condition", "dbQuery"]

    /// Every well-formed template in `s`, left to right; malformed `{{@…` text is not a reference.
    public static func references(in s: String) -> [TemplateReference] {
        var found: [TemplateReference] = []
        forEachReference(in: s) { found.append($0) }
        return found
    }

    /// `s` with each template replaced by `transform(reference)`, or kept as written where it returns nil.
    public static func rewrite(_ s: String, _ transform: (TemplateReference) -> String?) -> String {
        guard s.utf8.count >= 6, s.contains("{{@") else { return s }
        var out = ""
        var copied = s.startIndex
        forEachReference(in: s) { ref in
            guard let replacement = transform(ref) else { return }
            out += s[copied..<ref.range.lowerBound]
            out += replacement
            copied = ref.range.upperBound
        }
        if copied == s.startIndex { return s }
        out += s[copied...]
        return out
    }

    /// The reference resolved against `outputs`, with auto-unwrap: an object output holding both `success` and `data`
    /// whose top level lacks the first path segment is walked from `.data`. Numeric segments index arrays.
    public static func resolve(_ ref: TemplateReference, outputs: (String) -> Visibility) -> Resolution {
        switch outputs(ref.nodeID) {
        case .invisible: return .literal
        case .empty: return .missing
        case .output(let output):
            var value = output
            if let first = ref.path.first, output["success"] != nil, let data = output["data"], output[first] == nil {
                value = data
            }
            for segment in ref.path {
                guard let next = child(of: value, segment) else { return .missing }
                value = next
            }
            return .value(value)
        }
    }

    /// `s` with every visible template rendered: null/missing → "", string as is, number/bool as JSON text,
    /// object/array as compact JSON; invisible ones stay literal.
    public static func render(_ s: String, outputs: (String) -> Visibility) -> String {
        rewrite(s) { ref in
            switch resolve(ref, outputs: outputs) {
            case .literal: nil
            case .missing, .value(.null): ""
            case .value(.string(let text)): text
            case .value(let json): json.text
            }
        }
    }

    /// `config` with every string rendered, nested objects and arrays included; top-level keys in `excluding` untouched.
    public static func renderConfig(_ config: JSON, excluding: Set<String> = excludedConfigKeys,
                                    outputs: (String) -> Visibility) -> JSON {
        guard case .object(let members) = config else { return renderJSONValues(config, outputs: outputs) }
        return .object(members.map { m in
            (m.key, excluding.contains(m.key) ? m.value : renderJSONValues(m.value, outputs: outputs))
        })
    }

    /// `value` with templates inside its strings rendered into those strings (keys untouched). For a JSON-looking
    /// HTTP body parsed first: the inserted text stays part of a string, so serialising the result escapes it. A string
    /// that is exactly one template stays a string (`"{{@a:X.n}}"` with n = 3 gives "3", not 3).
    public static func renderJSONValues(_ value: JSON, outputs: (String) -> Visibility) -> JSON {
        switch value {
        case .string(let s): .string(render(s, outputs: outputs))
        case .array(let items): .array(items.map { renderJSONValues($0, outputs: outputs) })
        case .object(let members): .object(members.map { ($0.key, renderJSONValues($0.value, outputs: outputs)) })
        default: value
        }
    }

    /// Calls `body` for each template in `s`, left to right; scanning resumes after a match, or one scalar on.
    static func forEachReference(in s: String, _ body: (TemplateReference) -> Void) {
        let scalars = s.unicodeScalars
        var i = scalars.startIndex
        while i < scalars.endIndex {
            if scalars[i] == "{", let ref = TemplateReference.scan(scalars, at: i) {
                body(ref)
                i = ref.range.upperBound
            } else {
                i = scalars.index(after: i)
            }
        }
    }

    /// The member (objects) or element (arrays, all-digit segments) named by `segment`.
    static func child(of value: JSON, _ segment: String) -> JSON? {
        switch value {
        case .object: return value[segment]
        case .array(let items):
            guard let index = Int(segment), index >= 0, index < items.count,
                  segment.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return items[index]
        default: return nil
        }
    }
}
