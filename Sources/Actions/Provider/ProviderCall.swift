// What every provider action shares (SPEC §3.2 "Outbound calls and outputs", §8): the provider's base URL, reading
// config strings, one JSON call with the step's signal and deadline, and the provider error detail with the retry rule
// (SPEC §5: 408, 429 and 5xx are retried). Pure apart from the call itself, which blocks on the step's slot.
import Domain
import Engine
import HTTPClient
import JSON

/// The `<detail>` of a provider failure.
enum ProviderError {
    /// `error.message`, `message`, or an `error` string in a JSON body; else `HTTP <status>`.
    static func detail(status: Int, body: [UInt8]) -> String {
        if let json = try? JSON.parse(body) {
            if case .string(let text)? = json["error"]?["message"], !text.isEmpty { return text }
            if case .string(let text)? = json["message"], !text.isEmpty { return text }
            if case .string(let text)? = json["error"], !text.isEmpty { return text }
        }
        return "HTTP \(status)"
    }

    /// Whether another attempt may help after HTTP `status` (SPEC §5).
    static func retryable(status: Int) -> Bool {
        status == 408 || status == 429 || status >= 500
    }
}

/// One provider: its integration type's base URL (config > env override > default, SPEC §8) and its failure prefix.
struct Provider: Sendable {
    let type: String
    let environment: [String: String]

    /// `{base}` for a step's integration config.
    func baseURL(_ integration: JSON?) -> String {
        var config: [String: String] = [:]
        for (key, value) in integration?.object ?? [] {
            if case .string(let text) = value { config[key] = text }
        }
        return IntegrationType.named(type)?.baseURL(config: config, environment: environment) ?? ""
    }

    /// Sends `body` as JSON to `url` with `headers` (`Content-Type: application/json` unless given) and returns the
    /// parsed 2xx reply (null when it does not parse). Non-2xx → "<failurePrefix>: <detail>", retryable for 408/429/5xx;
    /// transport failures and timeouts as the shared send helper reports them.
    static func postJSON(_ client: HTTPClient, url: String, headers: [(String, String)], body: JSON, step: StepContext,
                         failurePrefix: String) throws(StepFailure) -> JSON {
        var headers = headers
        if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            headers.append(("Content-Type", "application/json"))
        }
        let request = ClientRequest(method: "POST", url: url, headers: headers, body: body.bytes)
        let response = try client.send(request, for: step, failurePrefix: failurePrefix)
        guard (200...299).contains(response.status) else {
            throw StepFailure("\(failurePrefix): \(ProviderError.detail(status: response.status, body: response.body))",
                              retryable: ProviderError.retryable(status: response.status))
        }
        return (try? JSON.parse(response.body)) ?? .null
    }
}

extension JSON {
    /// The string at `key` of a config: strings as they are, other values as their compact JSON text, absent or null
    /// as "".
    func configString(_ key: String) -> String {
        switch self[key] {
        case nil, .null?: return ""
        case .string(let text)?: return text
        case let other?: return other.text
        }
    }

    /// A comma-separated config list: items trimmed, empties dropped.
    func configList(_ key: String) -> [String] {
        configString(key).split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmed }
            .filter { !$0.isEmpty }
    }
}

extension String {
    /// Percent-encoded as one URL path segment (everything but unreserved characters).
    var pathSegmentEncoded: String {
        var out = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}
