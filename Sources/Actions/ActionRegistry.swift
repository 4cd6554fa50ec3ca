// Every action this build runs, by canonical id (SPEC §3.2), handed to the engine by the App. One folder per action
// or provider; each provider's base URL, auth and error detail live once, in its folder.
import Engine
import HTTPClient

public enum ActionRegistry {
    /// The actions by canonical catalog id.
    public static func all(client: HTTPClient, environment: [String: String]) -> [String: any Action] {
        [
            "HTTP Request": HTTPRequestAction(client: client),
            "Condition": ConditionAction(),
            "slack/send-message": SlackSendMessageAction(client: client, environment: environment),
            "github/create-issue": GitHubCreateIssueAction(client: client, environment: environment),
            "resend/send-email": ResendSendEmailAction(client: client, environment: environment),
            "firecrawl/scrape": FirecrawlScrapeAction(client: client, environment: environment),
            "firecrawl/search": FirecrawlSearchAction(client: client, environment: environment),
            "linear/create-ticket": LinearCreateTicketAction(client: client, environment: environment),
            "linear/find-issues": LinearFindIssuesAction(client: client, environment: environment),
            "ai-gateway/generate-text": AIGenerateTextAction(client: client, environment: environment),
            "ai-gateway/generate-image": AIGenerateImageAction(client: client, environment: environment),
        ]
    }
}
