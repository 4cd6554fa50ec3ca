// Linear's one endpoint (SPEC §3.2, §8): `POST {base}/graphql` with the integration's API key as the bare
// `Authorization` value. A reply carrying `errors` is a failure whatever its status (a 200 with `errors` is not
// retried); other failures use the shared detail and retry rule. Blocks on the step's slot.
import Engine
import HTTPClient
import JSON

enum LinearGraphQL {
    /// Runs `query` with `variables`; returns the reply's `data` (null when absent).
    static func run(_ client: HTTPClient, provider: Provider, step: StepContext, query: String, variables: JSON?,
                    failurePrefix: String) throws(StepFailure) -> JSON {
        let apiKey = step.integration?.configString("apiKey") ?? ""
        var body: JSON = ["query": .string(query)]
        if let variables { body.set("variables", variables) }
        let request = ClientRequest(method: "POST", url: provider.baseURL(step.integration) + "/graphql",
                                    headers: [("Authorization", apiKey), ("Content-Type", "application/json")],
                                    body: body.bytes)
        let response = try client.send(request, for: step, failurePrefix: failurePrefix)
        let reply = try? JSON.parse(response.body)
        let success = (200...299).contains(response.status)
        if let message = firstErrorMessage(reply) {
            throw StepFailure("\(failurePrefix): \(message)",
                              retryable: !success && ProviderError.retryable(status: response.status))
        }
        guard success else {
            throw StepFailure("\(failurePrefix): \(ProviderError.detail(status: response.status, body: response.body))",
                              retryable: ProviderError.retryable(status: response.status))
        }
        return reply?["data"] ?? .null
    }

    /// The first `errors[].message` of a GraphQL reply ("Unknown GraphQL error" for a non-empty list without one).
    static func firstErrorMessage(_ reply: JSON?) -> String? {
        guard let errors = reply?["errors"]?.array, let first = errors.first else { return nil }
        if let message = first["message"]?.string, !message.isEmpty { return message }
        return "Unknown GraphQL error"
    }
}
