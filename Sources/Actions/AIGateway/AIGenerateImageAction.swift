// The "ai-gateway/generate-image" action (SPEC §3.2): one OpenAI-compatible image generation returned as base64.
// Stateless; blocks on a step slot.
import Engine
import HTTPClient
import JSON

/// Draws `imagePrompt`; succeeds with `{"success":true,"base64":<data[0].b64_json>}`.
public struct AIGenerateImageAction: Action {
    static let failurePrefix = "Image generation failed"
    static let defaultModel = "gpt-image-1"

    let client: HTTPClient
    let provider: Provider

    public init(client: HTTPClient, environment: [String: String]) {
        self.client = client
        provider = Provider(type: "ai-gateway", environment: environment)
    }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        let apiKey = step.integration?.configString("apiKey") ?? ""
        let model = step.config.configString("imageModel").trimmed
        let body: JSON = ["model": .string(model.isEmpty ? AIGenerateImageAction.defaultModel : model),
                          "prompt": .string(step.config.configString("imagePrompt")), "n": 1, "size": "1024x1024",
                          "response_format": "b64_json"]
        let reply = try Provider.postJSON(client, url: provider.baseURL(step.integration) + "/images/generations",
                                          headers: [("Authorization", "Bearer \(apiKey)")], body: body, step: step,
                                          failurePrefix: AIGenerateImageAction.failurePrefix)
        guard let base64 = reply["data"]?[0]?["b64_json"]?.string, !base64.isEmpty else {
            throw StepFailure("\(AIGenerateImageAction.failurePrefix): no image returned")
        }
        return ["success": true, "base64": .string(base64)]
    }
}
