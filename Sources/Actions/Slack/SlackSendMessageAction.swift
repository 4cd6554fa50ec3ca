// The "slack/send-message" action (SPEC §3.2): `chat.postMessage` with the integration's bot token. Slack answers
// 200 with `ok:false` and an `error` code for most failures; that is a failure too. Stateless; blocks on a step slot.
import Engine
import HTTPClient
import JSON

/// Posts `slackMessage` to `slackChannel`; succeeds with `{"success":true,"ts","channel"}`.
public struct SlackSendMessageAction: Action {
    static let failurePrefix = "Failed to send Slack message"

    let client: HTTPClient
    let provider: Provider

    public init(client: HTTPClient, environment: [String: String]) {
        self.client = client
        provider = Provider(type: "slack", environment: environment)
    }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        let apiKey = step.integration?.configString("apiKey") ?? ""
        let body: JSON = ["channel": .string(step.config.configString("slackChannel")),
                          "text": .string(step.config.configString("slackMessage"))]
        let reply = try Provider.postJSON(client, url: provider.baseURL(step.integration) + "/chat.postMessage",
                                          headers: [("Authorization", "Bearer \(apiKey)"),
                                                    ("Content-Type", "application/json; charset=utf-8")],
                                          body: body, step: step, failurePrefix: SlackSendMessageAction.failurePrefix)
        guard reply["ok"]?.bool == true else {
            let error = reply["error"]?.string ?? "unknown_error"
            throw StepFailure("\(SlackSendMessageAction.failurePrefix): \(error)")
        }
        return ["success": true, "ts": reply["ts"] ?? .null, "channel": reply["channel"] ?? .null]
    }
}
