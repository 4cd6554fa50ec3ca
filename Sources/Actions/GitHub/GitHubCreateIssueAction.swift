// The "github/create-issue" action (SPEC §3.2): creates an issue through the REST API with the integration's token.
// Stateless; blocks on a step slot.
import Domain
import Engine
import HTTPClient
import JSON

/// Opens `issueTitle` in `githubOwner/githubRepo`; succeeds with `{"success":true,"data":{id,number,url,title,state}}`.
public struct GitHubCreateIssueAction: Action {
    static let failurePrefix = "Failed to create issue"

    let client: HTTPClient
    let provider: Provider

    public init(client: HTTPClient, environment: [String: String]) {
        self.client = client
        provider = Provider(type: "github", environment: environment)
    }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        let config = step.config
        let token = step.integration?.configString("token") ?? ""
        let owner = config.configString("githubOwner").trimmed.pathSegmentEncoded
        let repo = config.configString("githubRepo").trimmed.pathSegmentEncoded
        let reply = try Provider.postJSON(client, url: provider.baseURL(step.integration) + "/repos/\(owner)/\(repo)/issues",
                                          headers: [("Authorization", "Bearer \(token)"),
                                                    ("Accept", "application/vnd.github+json"),
                                                    ("X-GitHub-Api-Version", "2022-11-28")],
                                          body: GitHubCreateIssueAction.body(config), step: step,
                                          failurePrefix: GitHubCreateIssueAction.failurePrefix)
        return ["success": true, "data": ["id": reply["id"] ?? .null, "number": reply["number"] ?? .null,
                                          "url": reply["html_url"] ?? .null, "title": reply["title"] ?? .null,
                                          "state": reply["state"] ?? .null]]
    }

    /// `{"title","body"?,"labels"?,"assignees"?}`: body only when non-empty, lists only when they have items.
    static func body(_ config: JSON) -> JSON {
        var body: JSON = ["title": .string(config.configString("issueTitle"))]
        let text = config.configString("issueBody")
        if !text.isEmpty { body.set("body", .string(text)) }
        let labels = config.configList("issueLabels")
        if !labels.isEmpty { body.set("labels", .array(labels.map { .string($0) })) }
        let assignees = config.configList("issueAssignees")
        if !assignees.isEmpty { body.set("assignees", .array(assignees.map { .string($0) })) }
        return body
    }
}
