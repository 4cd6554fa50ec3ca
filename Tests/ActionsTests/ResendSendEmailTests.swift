// Send Email: the Resend request (key, idempotency key, from fallback, split lists, optional fields), its output, and
// failures with the provider detail and retry rule.
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct ResendSendEmailTests {
    let integration: JSON = ["apiKey": "re_secret", "fromEmail": "bot@acme.test"]

    func run(_ config: JSON, _ reply: Reply) throws -> (Result<JSON, StepFailure>, TestServer) {
        let server = try TestServer { _ in reply }
        defer { server.stop() }
        let actions = ActionRegistry.all(client: Shared.client, environment: ["ORCHESTRATOR_RESEND_BASE_URL": server.url("/")])
        let action = try #require(actions["resend/send-email"])
        let result: Result<JSON, StepFailure>
        do { result = .success(try action.run(providerStep(config, integration: integration))) } catch { result = .failure(error) }
        return (result, server)
    }

    @Test func sendsWithAllFields() throws {
        let config: JSON = ["actionType": "resend/send-email", "integrationId": "int_1", "emailTo": "a@x.test, b@x.test",
                            "emailSubject": "Hi", "emailBody": "Body text", "emailFrom": "Me <me@acme.test>",
                            "emailCc": "c@x.test", "emailBcc": " d@x.test ,e@x.test", "emailReplyTo": "r@x.test",
                            "emailScheduledAt": "2030-01-01T00:00:00Z"]
        let (result, server) = try run(config, .json(200, ["id": "email_123"]))
        #expect(try result.get() == ["success": true, "data": ["id": "email_123"]])
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.target == "/emails")
        #expect(request.values("Authorization") == ["Bearer re_secret"])
        #expect(request.values("Idempotency-Key") == ["exec_test:n1"])
        #expect(request.values("Content-Type") == ["application/json"])
        #expect(request.header("User-Agent") == "Orchestrator/test")
        #expect(request.json == ["from": "Me <me@acme.test>", "to": ["a@x.test", "b@x.test"], "subject": "Hi",
                                 "text": "Body text", "cc": ["c@x.test"], "bcc": ["d@x.test", "e@x.test"],
                                 "reply_to": ["r@x.test"], "scheduled_at": "2030-01-01T00:00:00Z"])
    }

    @Test func fromFallsBackToTheIntegrationAndOptionalsAreLeftOut() throws {
        let config: JSON = ["emailTo": "a@x.test", "emailSubject": "Hi", "emailBody": "B", "emailFrom": " ", "emailCc": ""]
        let (_, server) = try run(config, .json(200, ["id": "email_1"]))
        #expect(server.requests.first?.json == ["from": "bot@acme.test", "to": ["a@x.test"], "subject": "Hi", "text": "B"])
    }

    @Test(arguments: [(503, true), (400, false), (422, false), (429, true)])
    func failuresUseTheDetailAndRetryRule(_ status: Int, _ retryable: Bool) throws {
        let config: JSON = ["emailTo": "a@x.test", "emailSubject": "Hi", "emailBody": "B"]
        let (result, _) = try run(config, .json(status, ["statusCode": .int(Int64(status)), "name": "validation_error",
                                                         "message": "Invalid `to` field."]))
        #expect(result == .failure(StepFailure("Failed to send email: Invalid `to` field.", retryable: retryable)))
        let (plain, _) = try run(config, .text(status, "nope"))
        #expect(plain == .failure(StepFailure("Failed to send email: HTTP \(status)", retryable: retryable)))
    }
}
