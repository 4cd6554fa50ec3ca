// The registry hands the engine every action this build runs, by canonical id.
import Engine
import Testing
@testable import Actions

@Suite struct ActionRegistryTests {
    @Test func registersEachActionByCanonicalID() {
        let actions = ActionRegistry.all(client: Shared.client, environment: [:])
        #expect(Set(actions.keys) == ["HTTP Request", "Condition", "slack/send-message", "github/create-issue",
                                        "resend/send-email", "firecrawl/scrape", "firecrawl/search",
                                        "linear/create-ticket", "linear/find-issues",
                                        "ai-gateway/generate-text", "ai-gateway/generate-image"])
        #expect(actions["HTTP Request"] is HTTPRequestAction)
        #expect(actions["Condition"] is ConditionAction)
    }
}
