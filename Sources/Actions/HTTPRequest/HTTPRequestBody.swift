// The body an HTTP Request step sends (SPEC §3.2): JSON values as JSON, JSON-looking strings parsed (then templated)
// and sent as JSON, other strings as text; empty ones send nothing. Pure.
import Domain
import JSON

/// A request body and its default content type.
enum HTTPRequestBody: Equatable {
    case json(JSON)
    case text(String)

    /// The body `httpBody` asks for; nil for absent, null, `{}`, a blank string, or a string holding `{}` or null.
    /// A string's templates are rendered here: inside the parsed value's strings when it holds JSON (so inserted text
    /// is JSON-escaped), else into the text.
    init?(_ value: JSON?, templateJSONBody: (JSON) -> JSON, templateText: (String) -> String = { $0 }) {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            if text.trimmed.isEmpty { return nil }
            guard let parsed = try? JSON.parse(text) else {
                self = .text(templateText(text))
                return
            }
            self.init(json: templateJSONBody(parsed))
        case let json?:
            self.init(json: json)
        }
    }

    private init?(json: JSON) {
        switch json {
        case .null: return nil
        case .object(let members) where members.isEmpty: return nil
        default: self = .json(json)
        }
    }

    var bytes: [UInt8] {
        switch self {
        case .json(let json): json.bytes
        case .text(let text): Array(text.utf8)
        }
    }

    /// Sent unless the step's headers name a content type.
    var contentType: String {
        switch self {
        case .json: "application/json"
        case .text: "text/plain; charset=utf-8"
        }
    }
}
