// The "linear/find-issues" action (SPEC §3.2): up to 50 issues matching the assignee, team, status and label given.
// Stateless; blocks on a step slot.
import Engine
import HTTPClient
import JSON

/// Lists Linear issues; succeeds with `{"success":true,"data":{"issues":[{id,title,url,state,priority,assigneeId}],"count"}}`.
public struct LinearFindIssuesAction: Action {
    static let failurePrefix = "Failed to find issues"
    static let query = "query($filter: IssueFilter) { issues(filter: $filter, first: 50) { nodes { id title url priority state { name } assignee { id } } } }"
    /// `linearStatus` → Linear workflow state name (`any` or absent: no state filter).
    static let statusNames = ["backlog": "Backlog", "todo": "Todo", "in_progress": "In Progress", "done": "Done",
                              "canceled": "Canceled"]

    let client: HTTPClient
    let provider: Provider

    public init(client: HTTPClient, environment: [String: String]) {
        self.client = client
        provider = Provider(type: "linear", environment: environment)
    }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        let data = try LinearGraphQL.run(client, provider: provider, step: step, query: LinearFindIssuesAction.query,
                                         variables: ["filter": LinearFindIssuesAction.filter(step.config)],
                                         failurePrefix: LinearFindIssuesAction.failurePrefix)
        let nodes = data["issues"]?["nodes"]?.array ?? []
        let issues: [JSON] = nodes.map { node in
            ["id": node["id"] ?? .null, "title": node["title"] ?? .null, "url": node["url"] ?? .null,
             "state": node["state"]?["name"] ?? .null, "priority": node["priority"] ?? .null,
             "assigneeId": node["assignee"]?["id"] ?? .null]
        }
        return ["success": true, "data": ["issues": .array(issues), "count": .int(Int64(issues.count))]]
    }

    /// The `IssueFilter`: `assignee`/`team` `{id:{eq}}`, `state`/`label` `{name:{eqIgnoreCase}}`, each only when its
    /// field is non-empty (an empty object when none is). A status outside the map is matched by its own text.
    static func filter(_ config: JSON) -> JSON {
        var filter: JSON = [:]
        let assignee = config.configString("linearAssigneeId").trimmed
        if !assignee.isEmpty { filter.set("assignee", ["id": ["eq": .string(assignee)]]) }
        let team = config.configString("linearTeamId").trimmed
        if !team.isEmpty { filter.set("team", ["id": ["eq": .string(team)]]) }
        let status = config.configString("linearStatus").trimmed
        if !status.isEmpty, status.lowercased() != "any" {
            let name = statusNames[status.lowercased()] ?? status
            filter.set("state", ["name": ["eqIgnoreCase": .string(name)]])
        }
        let label = config.configString("linearLabel").trimmed
        if !label.isEmpty { filter.set("label", ["name": ["eqIgnoreCase": .string(label)]]) }
        return filter
    }
}
