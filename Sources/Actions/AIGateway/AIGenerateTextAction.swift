// The "ai-gateway/generate-text" action (SPEC §3.2): one OpenAI-compatible chat completion. The object format asks
// for a JSON object listing the schema's fields and parses the reply. Stateless; blocks on a step slot.
import Engine
import HTTPClient
import JSON

/// Completes `aiPrompt`; succeeds with `{"success":true,"text"}` or, in the object format, `{"success":true,"object"}`.
public struct AIGenerateTextAction: Action {
    static let failurePrefix = "Text generation failed"
    static let defaultModel = "gpt-4o-mini"

    let client: HTTPClient
    let provider: Provider

    public init(client: HTTPClient, environment: [String: String]) {
        self.client = client
        provider = Provider(type: "ai-gateway", environment: environment)
    }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        let prefix = AIGenerateTextAction.failurePrefix
        let apiKey = step.integration?.configString("apiKey") ?? ""
        let objectFormat = step.config.configString("aiFormat").trimmed.lowercased() == "object"
        let reply = try Provider.postJSON(client, url: provider.baseURL(step.integration) + "/chat/completions",
                                          headers: [("Authorization", "Bearer \(apiKey)")],
                                          body: AIGenerateTextAction.body(step.config, objectFormat: objectFormat),
                                          step: step, failurePrefix: prefix)
        let content = reply["choices"]?[0]?["message"]?["content"]?.string ?? ""
        guard objectFormat else { return ["success": true, "text": .string(content)] }
        guard let object = try? JSON.parse(Array(content.utf8)), object.isObject else {
            throw StepFailure("\(prefix): model did not return valid JSON")
        }
        return ["success": true, "object": object]
    }

    /// `{"model","messages":[system?, user]}` plus `response_format` in the object format.
    static func body(_ config: JSON, objectFormat: Bool) -> JSON {
        let model = config.configString("aiModel").trimmed
        var messages: [JSON] = []
        if objectFormat { messages.append(["role": "system", "content": .string(systemMessage(schemaFields(config)))]) }
        messages.append(["role": "user", "content": .string(config.configString("aiPrompt"))])
        var body: JSON = ["model": .string(model.isEmpty ? defaultModel : model), "messages": .array(messages)]
        if objectFormat { body.set("response_format", ["type": "json_object"]) }
        return body
    }

    /// The `(name, type)` pairs of `aiSchema` (an array, or a JSON string of one); entries without a name are
    /// skipped and a type outside string/number/boolean counts as string.
    static func schemaFields(_ config: JSON) -> [(name: String, type: String)] {
        var schema = config["aiSchema"] ?? .null
        if case .string(let text) = schema { schema = (try? JSON.parse(Array(text.utf8))) ?? .null }
        return (schema.array ?? []).compactMap { entry in
            guard let name = entry["name"]?.string?.trimmed, !name.isEmpty else { return nil }
            let type = entry["type"]?.string?.trimmed.lowercased() ?? "string"
            return (name, ["string", "number", "boolean"].contains(type) ? type : "string")
        }
    }

    /// The system message of the object format.
    static func systemMessage(_ fields: [(name: String, type: String)]) -> String {
        guard !fields.isEmpty else { return "Respond only with a JSON object." }
        let list = fields.map { "\"\($0.name)\" (\($0.type))" }.joined(separator: ", ")
        return "Respond only with a JSON object with these fields: \(list)."
    }
}
