// Create Ticket: the GraphQL team lookup and issueCreate mutation, the bare API key header, outputs, GraphQL errors
// and HTTP failures with the retry rule.
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct LinearCreateTicketTests {
    let config: JSON = ["actionType": "linear/create-ticket", "integrationId": "int_1", "ticketTitle": "Call \"Ada\"",
                        "ticketDescription": "Details", "ticketPriority": "1"]
    let created: JSON = ["data": ["issueCreate": ["success": true,
                                                  "issue": ["id": "iss_1", "title": "Call \"Ada\"", "url": "https://linear.app/t/ISS-1"]]]]

    /// Runs the action from the registry against a server answering with `respond`.
    func run(config: JSON? = nil, integration: JSON = ["apiKey": "lin_api_secret", "teamId": "team_9"],
             _ respond: @escaping @Sendable (RecordedRequest) -> Reply) throws -> (Result<JSON, StepFailure>, TestServer) {
        let server = try TestServer(respond)
        defer { server.stop() }
        let actions = ActionRegistry.all(client: Shared.client, environment: ["ORCHESTRATOR_LINEAR_BASE_URL": server.url("/lin/")])
        let action = try #require(actions["linear/create-ticket"])
        let step = providerStep(config ?? self.config, integration: integration)
        let result: Result<JSON, StepFailure>
        do { result = .success(try action.run(step)) } catch { result = .failure(error) }
        return (result, server)
    }

    @Test func createsTheIssueInTheIntegrationsTeam() throws {
        let created = self.created
        let (result, server) = try run { _ in .json(200, created) }
        #expect(try result.get() == ["success": true, "data": ["id": "iss_1", "url": "https://linear.app/t/ISS-1",
                                                               "title": "Call \"Ada\""]])
        #expect(server.requests.count == 1)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.target == "/lin/graphql")
        #expect(request.values("Authorization") == ["lin_api_secret"])
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.json == ["query": .string(LinearCreateTicketAction.createMutation),
                                 "variables": ["input": ["teamId": "team_9", "title": "Call \"Ada\"", "description": "Details",
                                                         "priority": 1]]])
        #expect(request.json["variables"]?["input"]?["priority"] == .int(1))
        #expect(LinearCreateTicketAction.createMutation ==
                "mutation($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id title url } } }")
    }

    @Test func looksUpTheFirstTeamWithoutATeamIdAndDefaultsThePriority() throws {
        let created = self.created
        let config: JSON = ["actionType": "linear/create-ticket", "ticketTitle": "T", "ticketDescription": ""]
        let (result, server) = try run(config: config, integration: ["apiKey": "k"]) { request in
            request.text.contains("teams") ? .json(200, ["data": ["teams": ["nodes": [["id": "team_a", "name": "A"],
                                                                                       ["id": "team_b", "name": "B"]]]]])
                : .json(200, created)
        }
        #expect(try result.get()["success"] == true)
        #expect(server.requests.count == 2)
        #expect(server.requests.first?.json == ["query": "query { teams { nodes { id name } } }"])
        #expect(server.requests.last?.json["variables"] == ["input": ["teamId": "team_a", "title": "T", "priority": 2]])
        #expect(server.requests.allSatisfy { $0.values("Authorization") == ["k"] && $0.target == "/lin/graphql" })
    }

    @Test func noTeamIsAFailure() throws {
        let (result, server) = try run(integration: ["apiKey": "k", "teamId": ""]) { _ in
            .json(200, ["data": ["teams": ["nodes": []]]])
        }
        #expect(result == .failure(StepFailure("Failed to create ticket: no team found")))
        #expect(server.requests.count == 1)
    }

    @Test func graphQLErrorsOnA200AreAFailureNotRetried() throws {
        let (result, _) = try run { _ in
            .json(200, ["data": nil, "errors": [["message": "Argument Validation Error"], ["message": "second"]]])
        }
        #expect(result == .failure(StepFailure("Failed to create ticket: Argument Validation Error", retryable: false)))
    }

    @Test func unsuccessfulCreateIsAFailure() throws {
        let (result, _) = try run { _ in .json(200, ["data": ["issueCreate": ["success": false, "issue": nil]]]) }
        #expect(result == .failure(StepFailure("Failed to create ticket: issue was not created")))
    }

    @Test(arguments: [(503, true), (400, false), (429, true), (401, false)])
    func httpFailuresUseTheDetailAndRetryRule(_ status: Int, _ retryable: Bool) throws {
        let (result, _) = try run { _ in .json(status, ["errors": [["message": "Authentication required"]]]) }
        #expect(result == .failure(StepFailure("Failed to create ticket: Authentication required", retryable: retryable)))
        let (plain, _) = try run { _ in .text(status, "<html>oops</html>", contentType: "text/html") }
        #expect(plain == .failure(StepFailure("Failed to create ticket: HTTP \(status)", retryable: retryable)))
        let (message, _) = try run { _ in .json(status, ["message": "bad key"]) }
        #expect(message == .failure(StepFailure("Failed to create ticket: bad key", retryable: retryable)))
    }

    @Test func isRegisteredByItsCanonicalID() {
        let actions = ActionRegistry.all(client: Shared.client, environment: [:])
        #expect(actions["linear/create-ticket"] is LinearCreateTicketAction)
    }
}
