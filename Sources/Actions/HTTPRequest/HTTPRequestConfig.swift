// An HTTP Request step's config read into the request it sends: endpoint, method, headers and body (SPEC §3.2), with
// the step failure for each field that cannot be used. Pure.
import Domain
import Engine
import HTTPClient
import JSON

/// The validated fields of an HTTP Request config.
struct HTTPRequestConfig {
    static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    var endpoint: String
    var method: String
    var headers: [(String, String)]
    var body: HTTPRequestBody?

    /// Reads `config`; `templateJSONBody` is applied to a body parsed from a JSON-looking string.
    init(_ config: JSON, templateJSONBody: (JSON) -> JSON, templateText: (String) -> String = { $0 }) throws(StepFailure) {
        // The engine reports a missing endpoint first; kept here so the action stands on its own.
        guard case .string(let endpoint)? = config["endpoint"], !endpoint.trimmed.isEmpty else {
            throw StepFailure("Missing required field: endpoint")
        }
        self.endpoint = endpoint.trimmed
        method = try HTTPRequestConfig.method(config["httpMethod"])
        headers = try HTTPRequestConfig.headers(config["httpHeaders"])
        body = method == "GET" ? nil : HTTPRequestBody(config["httpBody"], templateJSONBody: templateJSONBody, templateText: templateText)
    }

    /// The client request: the body's content type is added unless a `Content-Type` header is given.
    func clientRequest() -> ClientRequest {
        var headers = headers
        if let body, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            headers.append(("Content-Type", body.contentType))
        }
        return ClientRequest(method: method, url: endpoint, headers: headers, body: body?.bytes)
    }

    /// `httpMethod`, upper-cased; absent, null or blank → GET.
    static func method(_ value: JSON?) throws(StepFailure) -> String {
        switch value {
        case nil, .null?: return "GET"
        case .string(let text)?:
            let method = text.trimmed.uppercased()
            if method.isEmpty { return "GET" }
            guard methods.contains(method) else { throw failure("unsupported method \(text)") }
            return method
        case let other?: throw failure("unsupported method \(other.text)")
        }
    }

    /// `httpHeaders`: an object, or a string holding one (blank = none). String values are sent as they are, null ones
    /// skipped, anything else as its compact JSON text.
    static func headers(_ value: JSON?) throws(StepFailure) -> [(String, String)] {
        let members: [(key: String, value: JSON)]
        switch value {
        case nil, .null?: return []
        case .object(let object)?: members = object
        case .string(let text)?:
            if text.trimmed.isEmpty { return [] }
            guard case .object(let object)? = parseObject(text) else { throw failure("httpHeaders is not a JSON object") }
            members = object
        case _?: throw failure("httpHeaders is not a JSON object")
        }
        return members.compactMap { member in
            switch member.value {
            case .null: nil
            case .string(let text): (member.key, text)
            case let other: (member.key, other.text)
            }
        }
    }

    /// The JSON object `text` holds, or nil.
    static func parseObject(_ text: String) -> JSON? {
        guard let value = try? JSON.parse(text), value.isObject else { return nil }
        return value
    }

    static func failure(_ detail: String) -> StepFailure {
        StepFailure("\(HTTPRequestAction.failurePrefix): \(detail)")
    }
}
