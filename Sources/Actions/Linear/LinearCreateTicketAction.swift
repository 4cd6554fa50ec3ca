// The "linear/create-ticket" action (SPEC §3.2): `issueCreate` in the integration's team, or else the first team
// the key can see. Stateless; blocks on a step slot.
import Engine
import HTTPClient
import JSON

/// Creates `ticketTitle` in Linear; succeeds with `{"success":true,"data":{"id","url","title"}}`.
public struct LinearCreateTicketAction: Action {
    static let failurePrefix = "Failed to create ticket"
    static let teamsQuery = "query { teams { nodes { id name } } }"
    static let createMutation =
        "mutation($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id title url } } }"

    let client: HTTPClient
    let provider: Provider

    public init(client: HTTPClient, environment: [String: String]) {
        self.client = client
        provider = Provider(type: "linear", environment: environment)
    }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        let prefix = LinearCreateTicketAction.failurePrefix
        var teamID = (step.integration?.configString("teamId") ?? "").trimmed
        if teamID.isEmpty {
            let data = try LinearGraphQL.run(client, provider: provider, step: step, query: LinearCreateTicketAction.teamsQuery,
                                             variables: nil, failurePrefix: prefix)
            guard let first = data["teams"]?["nodes"]?[0]?["id"]?.string, !first.isEmpty else {
                throw StepFailure("\(prefix): no team found")
            }
            teamID = first
        }
        let input = LinearCreateTicketAction.input(step.config, teamID: teamID)
        let data = try LinearGraphQL.run(client, provider: provider, step: step, query: LinearCreateTicketAction.createMutation,
                                         variables: ["input": input], failurePrefix: prefix)
        guard let result = data["issueCreate"], result["success"]?.bool == true, let issue = result["issue"],
              issue.isObject else {
            throw StepFailure("\(prefix): issue was not created")
        }
        return ["success": true, "data": ["id": issue["id"] ?? .null, "url": issue["url"] ?? .null,
                                          "title": issue["title"] ?? .null]]
    }

    /// `{"teamId","title","description"?,"priority":<int>}`: description only when non-empty; priority "0".."4"
    /// (anything else, or absent, is the default 2).
    static func input(_ config: JSON, teamID: String) -> JSON {
        var input: JSON = ["teamId": .string(teamID), "title": .string(config.configString("ticketTitle"))]
        let description = config.configString("ticketDescription")
        if !description.isEmpty { input.set("description", .string(description)) }
        var priority: Int64 = 2
        if let value = Int64(config.configString("ticketPriority").trimmed), (0...4).contains(value) { priority = value }
        input.set("priority", .int(priority))
        return input
    }
}
