// Create GitHub Issue: the REST request (path, token, API headers, optional fields), its output, and failures with
// the provider detail and retry rule.
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct GitHubCreateIssueTests {
    let integration: JSON = ["token": "ghp_secret"]
    let issue: JSON = ["id": 101, "number": 7, "html_url": "https://github.com/acme/app/issues/7", "title": "Broken",
                       "state": "open", "node_id": "I_x"]

    func run(_ config: JSON, _ reply: Reply) throws -> (Result<JSON, StepFailure>, TestServer) {
        let server = try TestServer { _ in reply }
        defer { server.stop() }
        let actions = ActionRegistry.all(client: Shared.client, environment: ["ORCHESTRATOR_GITHUB_BASE_URL": server.url("")])
        let action = try #require(actions["github/create-issue"])
        let result: Result<JSON, StepFailure>
        do { result = .success(try action.run(providerStep(config, integration: integration))) } catch { result = .failure(error) }
        return (result, server)
    }

    @Test func createsTheIssueWithAllFields() throws {
        let config: JSON = ["actionType": "github/create-issue", "integrationId": "int_1", "githubOwner": "acme",
                            "githubRepo": "app", "issueTitle": "Broken", "issueBody": "It broke",
                            "issueLabels": " bug, ,urgent ,", "issueAssignees": "alice,bob"]
        let (result, server) = try run(config, .json(201, issue))
        #expect(try result.get() == ["success": true, "data": ["id": 101, "number": 7,
                                                               "url": "https://github.com/acme/app/issues/7",
                                                               "title": "Broken", "state": "open"]])
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.target == "/repos/acme/app/issues")
        #expect(request.values("Authorization") == ["Bearer ghp_secret"])
        #expect(request.values("Accept") == ["application/vnd.github+json"])
        #expect(request.values("X-GitHub-Api-Version") == ["2022-11-28"])
        #expect(request.values("Content-Type") == ["application/json"])
        #expect(request.header("User-Agent") == "Orchestrator/test")
        #expect(request.json == ["title": "Broken", "body": "It broke", "labels": ["bug", "urgent"],
                                 "assignees": ["alice", "bob"]])
    }

    @Test func optionalFieldsAreLeftOutWhenEmpty() throws {
        let config: JSON = ["githubOwner": "acme", "githubRepo": "app", "issueTitle": "Only a title", "issueBody": "",
                            "issueLabels": " , ", "issueAssignees": ""]
        let (_, server) = try run(config, .json(201, issue))
        #expect(server.requests.first?.json == ["title": "Only a title"])
    }

    @Test func ownerAndRepoAreOnePathSegmentEach() throws {
        let config: JSON = ["githubOwner": "ac me", "githubRepo": "a/b", "issueTitle": "T"]
        let (_, server) = try run(config, .json(201, issue))
        #expect(server.requests.first?.target == "/repos/ac%20me/a%2Fb/issues")
    }

    @Test(arguments: [(503, true), (400, false), (422, false), (429, true)])
    func failuresUseTheDetailAndRetryRule(_ status: Int, _ retryable: Bool) throws {
        let config: JSON = ["githubOwner": "acme", "githubRepo": "app", "issueTitle": "T"]
        let (result, _) = try run(config, .json(status, ["message": "Validation Failed", "documentation_url": "x"]))
        #expect(result == .failure(StepFailure("Failed to create issue: Validation Failed", retryable: retryable)))
        let (plain, _) = try run(config, .text(status, ""))
        #expect(plain == .failure(StepFailure("Failed to create issue: HTTP \(status)", retryable: retryable)))
    }
}
