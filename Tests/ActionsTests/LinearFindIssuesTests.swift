// Find Issues: the GraphQL query and its filter, the issue list output, GraphQL errors and HTTP failures.
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct LinearFindIssuesTests {
    /// Runs the action from the registry against a server answering `reply`.
    func run(_ config: JSON, _ reply: Reply) throws -> (Result<JSON, StepFailure>, TestServer) {
        let server = try TestServer { _ in reply }
        defer { server.stop() }
        let actions = ActionRegistry.all(client: Shared.client, environment: ["ORCHESTRATOR_LINEAR_BASE_URL": server.url("")])
        let action = try #require(actions["linear/find-issues"])
        let step = providerStep(config, integration: ["apiKey": "lin_api_secret"])
        let result: Result<JSON, StepFailure>
        do { result = .success(try action.run(step)) } catch { result = .failure(error) }
        return (result, server)
    }

    let nodes: JSON = ["data": ["issues": ["nodes": [
        ["id": "i1", "title": "One", "url": "https://linear.app/i1", "priority": 2, "state": ["name": "In Progress"],
         "assignee": ["id": "u1"]],
        ["id": "i2", "title": "Two", "url": "https://linear.app/i2", "priority": 0, "state": ["name": "Todo"], "assignee": nil],
    ]]]]

    @Test func sendsTheQueryWithEveryFilterAndListsTheIssues() throws {
        let config: JSON = ["actionType": "linear/find-issues", "linearAssigneeId": "u1", "linearTeamId": "t1",
                            "linearStatus": "in_progress", "linearLabel": "Bug"]
        let (result, server) = try run(config, .json(200, nodes))
        #expect(try result.get() == ["success": true, "data": ["issues": [
            ["id": "i1", "title": "One", "url": "https://linear.app/i1", "state": "In Progress", "priority": 2, "assigneeId": "u1"],
            ["id": "i2", "title": "Two", "url": "https://linear.app/i2", "state": "Todo", "priority": 0, "assigneeId": nil],
        ], "count": 2]])
        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.target == "/graphql")
        #expect(request.values("Authorization") == ["lin_api_secret"])
        #expect(request.json["query"] == "query($filter: IssueFilter) { issues(filter: $filter, first: 50) { nodes { id title url priority state { name } assignee { id } } } }")
        #expect(request.json["variables"] == ["filter": [
            "assignee": ["id": ["eq": "u1"]], "team": ["id": ["eq": "t1"]],
            "state": ["name": ["eqIgnoreCase": "In Progress"]], "label": ["name": ["eqIgnoreCase": "Bug"]]]])
    }

    @Test(arguments: [("backlog", "Backlog"), ("todo", "Todo"), ("in_progress", "In Progress"), ("done", "Done"),
                      ("canceled", "Canceled")])
    func mapsEachStatus(_ status: String, _ name: String) {
        #expect(LinearFindIssuesAction.filter(["linearStatus": .string(status)]) ==
                ["state": ["name": ["eqIgnoreCase": .string(name)]]])
    }

    @Test func anyOrAbsentFieldsFilterNothing() throws {
        #expect(LinearFindIssuesAction.filter(["linearStatus": "any", "linearLabel": "", "linearTeamId": " "]) == [:])
        let (result, server) = try run(["actionType": "linear/find-issues"], .json(200, ["data": ["issues": ["nodes": []]]]))
        #expect(try result.get() == ["success": true, "data": ["issues": [], "count": 0]])
        #expect(server.requests.first?.json["variables"] == ["filter": [:]])
    }

    @Test func graphQLErrorsAreAFailure() throws {
        let (result, _) = try run([:], .json(200, ["errors": [["message": "Invalid filter"]]]))
        #expect(result == .failure(StepFailure("Failed to find issues: Invalid filter", retryable: false)))
    }

    @Test(arguments: [(503, true), (400, false)])
    func httpFailuresUseTheDetailAndRetryRule(_ status: Int, _ retryable: Bool) throws {
        let (result, _) = try run([:], .json(status, ["error": "upstream"]))
        #expect(result == .failure(StepFailure("Failed to find issues: upstream", retryable: retryable)))
        let (plain, _) = try run([:], .text(status, "nope"))
        #expect(plain == .failure(StepFailure("Failed to find issues: HTTP \(status)", retryable: retryable)))
    }

    @Test func isRegisteredByItsCanonicalID() {
        #expect(ActionRegistry.all(client: Shared.client, environment: [:])["linear/find-issues"] is LinearFindIssuesAction)
    }
}
