// Generate Text: the chat completion request (text and object formats), base URL precedence, outputs, the invalid
// object reply and HTTP failures with the retry rule.
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct AIGenerateTextTests {
    /// Runs the action from the registry against a server answering `reply`; `configBase` is the integration's
    /// `baseUrl` path on that server (nil: none, so the env override applies).
    func run(_ config: JSON, _ reply: Reply, configBase: String? = nil) throws -> (Result<JSON, StepFailure>, TestServer) {
        let server = try TestServer { _ in reply }
        defer { server.stop() }
        let actions = ActionRegistry.all(client: Shared.client,
                                         environment: ["ORCHESTRATOR_AI_GATEWAY_BASE_URL": server.url("/env/v1/")])
        let action = try #require(actions["ai-gateway/generate-text"])
        var integration: JSON = ["apiKey": "sk-secret"]
        if let configBase { integration.set("baseUrl", .string(server.url(configBase))) }
        let step = providerStep(config, integration: integration)
        let result: Result<JSON, StepFailure>
        do { result = .success(try action.run(step)) } catch { result = .failure(error) }
        return (result, server)
    }

    func completion(_ content: String) -> Reply {
        .json(200, ["id": "c1", "choices": [["index": 0, "message": ["role": "assistant", "content": .string(content)]]]])
    }

    @Test func textFormatSendsThePromptWithTheDefaultModel() throws {
        let (result, server) = try run(["actionType": "ai-gateway/generate-text", "aiPrompt": "Say \"hi\""], completion("hi!"))
        #expect(try result.get() == ["success": true, "text": "hi!"])
        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.target == "/env/v1/chat/completions")
        #expect(request.values("Authorization") == ["Bearer sk-secret"])
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.json == ["model": "gpt-4o-mini", "messages": [["role": "user", "content": "Say \"hi\""]]])
    }

    @Test func configBaseUrlTakesPrecedenceOverTheEnvironment() throws {
        let (result, server) = try run(["aiPrompt": "p", "aiModel": "llama-3", "aiFormat": "text"], completion("ok"),
                                       configBase: "/cfg/")
        #expect(try result.get() == ["success": true, "text": "ok"])
        #expect(server.requests.first?.target == "/cfg/chat/completions")
        #expect(server.requests.first?.json["model"] == "llama-3")
    }

    @Test(arguments: [JSON.array([["name": "title", "type": "string"], ["name": "score", "type": "number"],
                                  ["name": "ok", "type": "boolean"]]),
                      JSON.string(#"[{"name":"title","type":"string"},{"name":"score","type":"number"},{"name":"ok","type":"boolean"}]"#)])
    func objectFormatAddsTheSchemaAndParsesTheObject(_ schema: JSON) throws {
        let config: JSON = ["aiPrompt": "Rate it", "aiFormat": "object", "aiSchema": schema]
        let (result, server) = try run(config, completion(#"{"title":"A","score":4.5,"ok":true}"#))
        #expect(try result.get() == ["success": true, "object": ["title": "A", "score": 4.5, "ok": true]])
        let body = try #require(server.requests.first).json
        #expect(body["model"] == "gpt-4o-mini")
        #expect(body["response_format"] == ["type": "json_object"])
        #expect(body["messages"] == [
            ["role": "system",
             "content": #"Respond only with a JSON object with these fields: "title" (string), "score" (number), "ok" (boolean)."#],
            ["role": "user", "content": "Rate it"]])
    }

    @Test(arguments: ["not json", "[1,2]", "\"text\"", ""])
    func anObjectReplyThatIsNotAJSONObjectFails(_ content: String) throws {
        let (result, _) = try run(["aiPrompt": "p", "aiFormat": "object"], completion(content))
        #expect(result == .failure(StepFailure("Text generation failed: model did not return valid JSON")))
    }

    @Test(arguments: [(503, true), (400, false), (429, true), (401, false)])
    func httpFailuresUseTheDetailAndRetryRule(_ status: Int, _ retryable: Bool) throws {
        let (result, _) = try run(["aiPrompt": "p"], .json(status, ["error": ["message": "Invalid model", "type": "invalid_request_error"]]))
        #expect(result == .failure(StepFailure("Text generation failed: Invalid model", retryable: retryable)))
        let (plain, _) = try run(["aiPrompt": "p"], .text(status, "<html>bad gateway</html>", contentType: "text/html"))
        #expect(plain == .failure(StepFailure("Text generation failed: HTTP \(status)", retryable: retryable)))
    }

    @Test func isRegisteredByItsCanonicalID() {
        #expect(ActionRegistry.all(client: Shared.client, environment: [:])["ai-gateway/generate-text"] is AIGenerateTextAction)
    }
}
