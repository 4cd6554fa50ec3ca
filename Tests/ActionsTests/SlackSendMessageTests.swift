// Send Slack Message: the chat.postMessage request, its output, Slack's ok:false and HTTP failures with the retry rule.
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct SlackSendMessageTests {
    let config: JSON = ["actionType": "slack/send-message", "integrationId": "int_1", "slackChannel": "#general",
                        "slackMessage": "Hello \"team\""]
    let integration: JSON = ["apiKey": "xoxb-secret"]

    /// Runs the action from the registry against a server answering `reply`; returns the result and the server.
    func run(_ reply: Reply) throws -> (Result<JSON, StepFailure>, TestServer) {
        let server = try TestServer { _ in reply }
        defer { server.stop() }
        let actions = ActionRegistry.all(client: Shared.client, environment: ["ORCHESTRATOR_SLACK_BASE_URL": server.url("/api/")])
        let action = try #require(actions["slack/send-message"])
        let step = providerStep(config, integration: integration)
        let result: Result<JSON, StepFailure>
        do { result = .success(try action.run(step)) } catch { result = .failure(error) }
        return (result, server)
    }

    @Test func postsTheMessageAndReturnsTsAndChannel() throws {
        let (result, server) = try run(.json(200, ["ok": true, "ts": "1700000000.000100", "channel": "C123"]))
        #expect(try result.get() == ["success": true, "ts": "1700000000.000100", "channel": "C123"])
        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.target == "/api/chat.postMessage")
        #expect(request.values("Authorization") == ["Bearer xoxb-secret"])
        #expect(request.values("Content-Type") == ["application/json; charset=utf-8"])
        #expect(request.header("User-Agent") == "Orchestrator/test")
        #expect(request.json == ["channel": "#general", "text": "Hello \"team\""])
    }

    @Test func okFalseIsAFailureWithSlacksError() throws {
        let (result, _) = try run(.json(200, ["ok": false, "error": "channel_not_found"]))
        #expect(result == .failure(StepFailure("Failed to send Slack message: channel_not_found")))
    }

    @Test(arguments: [(503, true), (400, false), (429, true), (408, true), (401, false)])
    func httpFailuresUseTheDetailAndRetryRule(_ status: Int, _ retryable: Bool) throws {
        let (result, _) = try run(.json(status, ["ok": false, "error": "invalid_auth"]))
        #expect(result == .failure(StepFailure("Failed to send Slack message: invalid_auth", retryable: retryable)))
        let (plain, _) = try run(.text(status, "<html>oops</html>", contentType: "text/html"))
        #expect(plain == .failure(StepFailure("Failed to send Slack message: HTTP \(status)", retryable: retryable)))
    }

    @Test func isRegisteredByItsCanonicalID() {
        let actions = ActionRegistry.all(client: Shared.client, environment: [:])
        #expect(actions["slack/send-message"] is SlackSendMessageAction)
    }
}
