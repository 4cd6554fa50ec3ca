// Generate Image: the images/generations request, base URL precedence, the base64 output, a reply without an image
// and HTTP failures with the retry rule.
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct AIGenerateImageTests {
    func run(_ config: JSON, _ reply: Reply, configBase: String? = nil) throws -> (Result<JSON, StepFailure>, TestServer) {
        let server = try TestServer { _ in reply }
        defer { server.stop() }
        let actions = ActionRegistry.all(client: Shared.client,
                                         environment: ["ORCHESTRATOR_AI_GATEWAY_BASE_URL": server.url("/env/v1")])
        let action = try #require(actions["ai-gateway/generate-image"])
        var integration: JSON = ["apiKey": "sk-img"]
        if let configBase { integration.set("baseUrl", .string(server.url(configBase))) }
        let step = providerStep(config, integration: integration)
        let result: Result<JSON, StepFailure>
        do { result = .success(try action.run(step)) } catch { result = .failure(error) }
        return (result, server)
    }

    @Test func requestsOneBase64ImageWithTheDefaultModel() throws {
        let (result, server) = try run(["actionType": "ai-gateway/generate-image", "imagePrompt": "A lighthouse"],
                                       .json(200, ["created": 1, "data": [["b64_json": "iVBORw0KGgo="]]]))
        #expect(try result.get() == ["success": true, "base64": "iVBORw0KGgo="])
        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.target == "/env/v1/images/generations")
        #expect(request.values("Authorization") == ["Bearer sk-img"])
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.json == ["model": "gpt-image-1", "prompt": "A lighthouse", "n": 1, "size": "1024x1024",
                                 "response_format": "b64_json"])
        #expect(request.json["n"] == .int(1))
    }

    @Test func configBaseUrlAndModelAreUsed() throws {
        let (result, server) = try run(["imagePrompt": "p", "imageModel": "dall-e-3"],
                                       .json(200, ["data": [["b64_json": "AAAA"]]]), configBase: "/cfg")
        #expect(try result.get() == ["success": true, "base64": "AAAA"])
        #expect(server.requests.first?.target == "/cfg/images/generations")
        #expect(server.requests.first?.json["model"] == "dall-e-3")
    }

    @Test func aReplyWithoutAnImageFails() throws {
        let (result, _) = try run(["imagePrompt": "p"], .json(200, ["data": []]))
        #expect(result == .failure(StepFailure("Image generation failed: no image returned")))
    }

    @Test(arguments: [(503, true), (400, false), (429, true)])
    func httpFailuresUseTheDetailAndRetryRule(_ status: Int, _ retryable: Bool) throws {
        let (result, _) = try run(["imagePrompt": "p"], .json(status, ["error": ["message": "content_policy_violation"]]))
        #expect(result == .failure(StepFailure("Image generation failed: content_policy_violation", retryable: retryable)))
        let (plain, _) = try run(["imagePrompt": "p"], .text(status, "down"))
        #expect(plain == .failure(StepFailure("Image generation failed: HTTP \(status)", retryable: retryable)))
    }

    @Test func isRegisteredByItsCanonicalID() {
        #expect(ActionRegistry.all(client: Shared.client, environment: [:])["ai-gateway/generate-image"] is AIGenerateImageAction)
    }
}
