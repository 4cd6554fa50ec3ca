// Integration types (SPEC §8): config fields, which are required and secret, default base URLs and env overrides.
// Immutable table; any thread.

public struct IntegrationType: Sendable {
    public let name: String
    public let fields: [String]          // all allowed config keys, in order
    public let required: [String]
    public let secrets: [String]
    public let defaultBaseURL: String?
    public let envOverride: String?

    public static let all: [IntegrationType] = [
        IntegrationType(name: "ai-gateway", fields: ["apiKey", "baseUrl"], required: ["apiKey"], secrets: ["apiKey"],
                        defaultBaseURL: "https://api.openai.com/v1", envOverride: "ORCHESTRATOR_AI_GATEWAY_BASE_URL"),
        IntegrationType(name: "slack", fields: ["apiKey"], required: ["apiKey"], secrets: ["apiKey"],
                        defaultBaseURL: "https://slack.com/api", envOverride: "ORCHESTRATOR_SLACK_BASE_URL"),
        IntegrationType(name: "resend", fields: ["apiKey", "fromEmail"], required: ["apiKey", "fromEmail"], secrets: ["apiKey"],
                        defaultBaseURL: "https://api.resend.com", envOverride: "ORCHESTRATOR_RESEND_BASE_URL"),
        IntegrationType(name: "linear", fields: ["apiKey", "teamId"], required: ["apiKey"], secrets: ["apiKey"],
                        defaultBaseURL: "https://api.linear.app", envOverride: "ORCHESTRATOR_LINEAR_BASE_URL"),
        IntegrationType(name: "firecrawl", fields: ["firecrawlApiKey"], required: ["firecrawlApiKey"], secrets: ["firecrawlApiKey"],
                        defaultBaseURL: "https://api.firecrawl.dev", envOverride: "ORCHESTRATOR_FIRECRAWL_BASE_URL"),
        IntegrationType(name: "github", fields: ["token"], required: ["token"], secrets: ["token"],
                        defaultBaseURL: "https://api.github.com", envOverride: "ORCHESTRATOR_GITHUB_BASE_URL"),
        IntegrationType(name: "database", fields: ["url"], required: ["url"], secrets: ["url"],
                        defaultBaseURL: nil, envOverride: nil),
    ]

    public static func named(_ name: String) -> IntegrationType? { all.first { $0.name == name } }

    /// Base URL: ai-gateway config `baseUrl` > env override > default; trailing `/` trimmed.
    public func baseURL(config: [String: String], environment: [String: String]) -> String {
        var url = defaultBaseURL ?? ""
        if let env = envOverride, let v = environment[env], !v.isEmpty { url = v }
        if name == "ai-gateway", let b = config["baseUrl"], !b.isEmpty { url = b }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
