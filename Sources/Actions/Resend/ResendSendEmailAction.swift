// The "resend/send-email" action (SPEC §3.2): one `POST /emails` with the integration's API key. The idempotency key
// names the run and node, so a retried attempt cannot send the mail twice. Stateless; blocks on a step slot.
import Domain
import Engine
import HTTPClient
import JSON

/// Sends `emailSubject`/`emailBody` to `emailTo`; succeeds with `{"success":true,"data":{"id"}}`.
public struct ResendSendEmailAction: Action {
    static let failurePrefix = "Failed to send email"

    let client: HTTPClient
    let provider: Provider

    public init(client: HTTPClient, environment: [String: String]) {
        self.client = client
        provider = Provider(type: "resend", environment: environment)
    }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        let apiKey = step.integration?.configString("apiKey") ?? ""
        let reply = try Provider.postJSON(client, url: provider.baseURL(step.integration) + "/emails",
                                          headers: [("Authorization", "Bearer \(apiKey)"),
                                                    ("Idempotency-Key", "\(step.executionID.raw):\(step.nodeID)")],
                                          body: ResendSendEmailAction.body(step.config, integration: step.integration),
                                          step: step, failurePrefix: ResendSendEmailAction.failurePrefix)
        return ["success": true, "data": ["id": reply["id"] ?? .null]]
    }

    /// `{"from","to":[…],"subject","text","cc"?,"bcc"?,"reply_to"?,"scheduled_at"?}`: `from` is `emailFrom`, else the
    /// integration's `fromEmail`; lists are split on commas and trimmed, and left out when empty.
    static func body(_ config: JSON, integration: JSON?) -> JSON {
        var from = config.configString("emailFrom").trimmed
        if from.isEmpty { from = integration?.configString("fromEmail").trimmed ?? "" }
        var body: JSON = ["from": .string(from), "to": strings(config.configList("emailTo")),
                          "subject": .string(config.configString("emailSubject")),
                          "text": .string(config.configString("emailBody"))]
        for (key, field) in [("cc", "emailCc"), ("bcc", "emailBcc"), ("reply_to", "emailReplyTo")] {
            let list = config.configList(field)
            if !list.isEmpty { body.set(key, strings(list)) }
        }
        let scheduledAt = config.configString("emailScheduledAt").trimmed
        if !scheduledAt.isEmpty { body.set("scheduled_at", .string(scheduledAt)) }
        return body
    }

    private static func strings(_ list: [String]) -> JSON { .array(list.map { .string($0) }) }
}
