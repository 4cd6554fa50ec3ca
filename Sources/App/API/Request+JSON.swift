// Decoding request bodies per SPEC §0: Content-Type check (415), JSON parse (400), object required (400).
// Pure functions over the request; run on whichever thread handles it.
import HTTP
import JSON

extension Request {
    /// The body as a JSON object. `optional`: an empty body counts as `{}` ("body optional" routes).
    func jsonObject(optional: Bool = false) throws -> JSON {
        if body.isEmpty {
            if optional { return .object([]) }
            throw APIError.badRequest("Invalid JSON body")
        }
        guard Request.isJSONContentType(headers["content-type"]) else {
            throw APIError.unsupportedMediaType("Content-Type must be application/json")
        }
        let value: JSON
        do {
            value = try JSON.parse(body)
        } catch {
            throw APIError.badRequest("Invalid JSON body")
        }
        guard value.isObject else { throw APIError.badRequest("Request body must be a JSON object") }
        return value
    }

    /// `application/json`, any case, parameters allowed.
    static func isJSONContentType(_ value: String?) -> Bool {
        guard let value else { return false }
        let media = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return media.trimmingSpaces().lowercased() == "application/json"
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}

extension String {
    /// Leading and trailing whitespace removed (Unicode whitespace, as JavaScript's trim).
    var trimmed: String {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while end > start, scalars[scalars.index(before: end)].properties.isWhitespace { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }

    /// Length in Unicode scalars (SPEC §0: every length limit counts scalars).
    var scalarCount: Int { unicodeScalars.count }
}

/// Field accessors that produce the spec's type-error messages.
extension JSON {
    /// The string at `key`: nil when absent or null; `"<key> must be a string"` for other types.
    func optionalString(_ key: String) throws -> String? {
        switch self[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw APIError.badRequest("\(key) must be a string")
        }
    }
}
