// The node catalog (SPEC §3): triggers and actions with their fields and outputs, in the spec's order. One table
// read by validation, `GET /api/actions`, the executor, the AI planner and the code exporter. Immutable.
import JSON

/// One config field of a trigger or action.
public struct CatalogField: Sendable {
    public let key: String
    public let label: String
    public let type: String            // text | textarea | number | boolean | select | json | expression | sql
    public var required = false
    public var example: JSON? = nil
    public var options: [String]? = nil
    public var defaultValue: JSON? = nil

    public var json: JSON {
        var o: [(key: String, value: JSON)] = [("key", .string(key)), ("label", .string(label)), ("type", .string(type)),
                                               ("required", .bool(required))]
        if let example { o.append(("example", example)) }
        if let options { o.append(("options", .array(options.map { .string($0) }))) }
        if let defaultValue { o.append(("default", defaultValue)) }
        return .object(o)
    }
}

public struct CatalogAction: Sendable {
    public let id: String
    public let label: String
    public let legacyLabels: [String]
    public let integrationType: String?
    public let fields: [CatalogField]
    public let outputs: [String]

    public var requiredKeys: [String] { fields.filter(\.required).map(\.key) }
}

public struct CatalogTrigger: Sendable {
    public let type: String
    public let label: String
    public let fields: [CatalogField]
}

public enum ActionCatalog {
    public static let triggers: [CatalogTrigger] = [
        CatalogTrigger(type: "Manual", label: "Manual", fields: []),
        CatalogTrigger(type: "Webhook", label: "Webhook", fields: [
            CatalogField(key: "webhookSchema", label: "Payload schema", type: "textarea", example: "{\"email\": \"string\"}"),
            CatalogField(key: "webhookMockRequest", label: "Mock request", type: "json", example: "{\"email\": \"ada@example.com\"}"),
        ]),
        CatalogTrigger(type: "Schedule", label: "Schedule", fields: [
            CatalogField(key: "scheduleCron", label: "Cron", type: "text", required: true, example: "0 9 * * *"),
            CatalogField(key: "scheduleTimezone", label: "Time zone", type: "text", example: "Europe/Berlin", defaultValue: "UTC"),
            CatalogField(key: "catchUp", label: "Catch up missed run", type: "boolean", defaultValue: false),
        ]),
    ]

    public static let actions: [CatalogAction] = [
        CatalogAction(id: "HTTP Request", label: "HTTP Request", legacyLabels: [], integrationType: nil, fields: [
            CatalogField(key: "endpoint", label: "URL", type: "text", required: true, example: "https://api.example.com/items"),
            CatalogField(key: "httpMethod", label: "Method", type: "select", options: ["GET", "POST", "PUT", "PATCH", "DELETE"], defaultValue: "GET"),
            CatalogField(key: "httpHeaders", label: "Headers", type: "json", example: "{\"Accept\": \"application/json\"}"),
            CatalogField(key: "httpBody", label: "Body", type: "json", example: "{\"name\": \"{{@trigger:Webhook.name}}\"}"),
        ], outputs: ["success", "status", "data"]),
        CatalogAction(id: "Condition", label: "Condition", legacyLabels: [], integrationType: nil, fields: [
            CatalogField(key: "condition", label: "Condition", type: "expression", required: true,
                         example: "{{@step-1:HTTP Request.status}} === 200"),
        ], outputs: ["condition"]),
        CatalogAction(id: "Database Query", label: "Database Query", legacyLabels: [], integrationType: "database", fields: [
            CatalogField(key: "dbQuery", label: "Query", type: "sql", required: true, example: "SELECT id, email FROM users LIMIT 10"),
            CatalogField(key: "dbSchema", label: "Schema notes", type: "textarea"),
        ], outputs: ["success", "rows", "count"]),
        CatalogAction(id: "ai-gateway/generate-text", label: "Generate Text", legacyLabels: ["Generate Text"], integrationType: "ai-gateway", fields: [
            CatalogField(key: "aiPrompt", label: "Prompt", type: "textarea", required: true, example: "Summarize: {{@step-1:Scrape URL.markdown}}"),
            CatalogField(key: "aiModel", label: "Model", type: "text", example: "gpt-4o-mini", defaultValue: "gpt-4o-mini"),
            CatalogField(key: "aiFormat", label: "Format", type: "select", options: ["text", "object"], defaultValue: "text"),
            CatalogField(key: "aiSchema", label: "Object schema", type: "json", example: "[{\"name\": \"title\", \"type\": \"string\"}]"),
        ], outputs: ["success", "text", "object"]),
        CatalogAction(id: "ai-gateway/generate-image", label: "Generate Image", legacyLabels: ["Generate Image"], integrationType: "ai-gateway", fields: [
            CatalogField(key: "imagePrompt", label: "Prompt", type: "textarea", required: true, example: "A lighthouse at dawn"),
            CatalogField(key: "imageModel", label: "Model", type: "text", example: "gpt-image-1", defaultValue: "gpt-image-1"),
        ], outputs: ["success", "base64"]),
        CatalogAction(id: "slack/send-message", label: "Send Slack Message", legacyLabels: ["Send Slack Message"], integrationType: "slack", fields: [
            CatalogField(key: "slackChannel", label: "Channel", type: "text", required: true, example: "#general"),
            CatalogField(key: "slackMessage", label: "Message", type: "textarea", required: true, example: "New lead: {{@trigger:Webhook.email}}"),
        ], outputs: ["success", "ts", "channel"]),
        CatalogAction(id: "resend/send-email", label: "Send Email", legacyLabels: ["Send Email"], integrationType: "resend", fields: [
            CatalogField(key: "emailTo", label: "To", type: "text", required: true, example: "ada@example.com, grace@example.com"),
            CatalogField(key: "emailSubject", label: "Subject", type: "text", required: true, example: "Welcome"),
            CatalogField(key: "emailBody", label: "Body", type: "textarea", required: true, example: "Hello {{@trigger:Webhook.name}}"),
            CatalogField(key: "emailFrom", label: "From", type: "text", example: "team@example.com"),
            CatalogField(key: "emailCc", label: "Cc", type: "text"),
            CatalogField(key: "emailBcc", label: "Bcc", type: "text"),
            CatalogField(key: "emailReplyTo", label: "Reply-To", type: "text"),
            CatalogField(key: "emailScheduledAt", label: "Scheduled at", type: "text", example: "2025-01-15T10:00:00.000Z"),
        ], outputs: ["success", "data"]),
        CatalogAction(id: "linear/create-ticket", label: "Create Ticket", legacyLabels: ["Create Ticket"], integrationType: "linear", fields: [
            CatalogField(key: "ticketTitle", label: "Title", type: "text", required: true, example: "Follow up with {{@trigger:Webhook.email}}"),
            CatalogField(key: "ticketDescription", label: "Description", type: "textarea"),
            CatalogField(key: "ticketPriority", label: "Priority", type: "select", options: ["0", "1", "2", "3", "4"], defaultValue: "2"),
        ], outputs: ["success", "data"]),
        CatalogAction(id: "linear/find-issues", label: "Find Issues", legacyLabels: ["Find Issues"], integrationType: "linear", fields: [
            CatalogField(key: "linearAssigneeId", label: "Assignee id", type: "text"),
            CatalogField(key: "linearTeamId", label: "Team id", type: "text"),
            CatalogField(key: "linearStatus", label: "Status", type: "select",
                         options: ["any", "backlog", "todo", "in_progress", "done", "canceled"], defaultValue: "any"),
            CatalogField(key: "linearLabel", label: "Label", type: "text"),
        ], outputs: ["success", "data"]),
        CatalogAction(id: "firecrawl/scrape", label: "Scrape URL", legacyLabels: ["Scrape"], integrationType: "firecrawl", fields: [
            CatalogField(key: "url", label: "URL", type: "text", required: true, example: "https://example.com"),
        ], outputs: ["markdown", "metadata"]),
        CatalogAction(id: "firecrawl/search", label: "Search Web", legacyLabels: ["Search"], integrationType: "firecrawl", fields: [
            CatalogField(key: "query", label: "Query", type: "text", required: true, example: "workflow automation"),
            CatalogField(key: "limit", label: "Limit", type: "number", example: 5, defaultValue: 5),
        ], outputs: ["data"]),
        CatalogAction(id: "github/create-issue", label: "Create GitHub Issue", legacyLabels: [], integrationType: "github", fields: [
            CatalogField(key: "githubOwner", label: "Owner", type: "text", required: true, example: "octocat"),
            CatalogField(key: "githubRepo", label: "Repository", type: "text", required: true, example: "hello-world"),
            CatalogField(key: "issueTitle", label: "Title", type: "text", required: true, example: "Bug report"),
            CatalogField(key: "issueBody", label: "Body", type: "textarea"),
            CatalogField(key: "issueLabels", label: "Labels", type: "text", example: "bug, triage"),
            CatalogField(key: "issueAssignees", label: "Assignees", type: "text", example: "octocat"),
        ], outputs: ["success", "data"]),
    ]

    /// Canonical id → legacy label → exact catalog label (SPEC §3.2).
    public static func resolve(_ actionType: String) -> CatalogAction? {
        if let a = actions.first(where: { $0.id == actionType }) { return a }
        if let a = actions.first(where: { $0.legacyLabels.contains(actionType) }) { return a }
        return actions.first { $0.label == actionType }
    }

    /// `GET /api/actions` body, rendered once.
    public static let json: [UInt8] = {
        let triggersJSON = JSON.array(triggers.map { t in
            JSON.object([("type", .string(t.type)), ("label", .string(t.label)), ("fields", .array(t.fields.map(\.json)))])
        })
        let actionsJSON = JSON.array(actions.map { a in
            JSON.object([("id", .string(a.id)), ("label", .string(a.label)), ("legacyLabels", .array(a.legacyLabels.map { .string($0) })),
                         ("integrationType", a.integrationType.map { .string($0) } ?? .null),
                         ("fields", .array(a.fields.map(\.json))), ("outputs", .array(a.outputs.map { .string($0) }))])
        })
        return JSON.object([("triggers", triggersJSON), ("actions", actionsJSON)]).bytes
    }()
}
