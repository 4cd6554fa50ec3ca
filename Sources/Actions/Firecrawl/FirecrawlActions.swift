// The Firecrawl actions (SPEC §3.2): "firecrawl/scrape" (one page as markdown) and "firecrawl/search" (web search with
// each hit scraped as markdown), both with the integration's `firecrawlApiKey`. Stateless; block on a step slot.
import Domain
import Engine
import HTTPClient
import JSON

/// The call both actions make: `POST {base}<path>` with the Bearer key; a 2xx reply with `success:false` fails too.
struct Firecrawl: Sendable {
    let client: HTTPClient
    let provider: Provider

    init(client: HTTPClient, environment: [String: String]) {
        self.client = client
        provider = Provider(type: "firecrawl", environment: environment)
    }

    func post(_ path: String, _ body: JSON, step: StepContext, failurePrefix: String) throws(StepFailure) -> JSON {
        let apiKey = step.integration?.configString("firecrawlApiKey") ?? ""
        let reply = try Provider.postJSON(client, url: provider.baseURL(step.integration) + path,
                                          headers: [("Authorization", "Bearer \(apiKey)")], body: body, step: step,
                                          failurePrefix: failurePrefix)
        if reply["success"]?.bool == false {
            throw StepFailure("\(failurePrefix): \(ProviderError.detail(status: 200, body: reply.bytes))")
        }
        return reply
    }
}

/// Scrapes `url`; succeeds with `{"markdown","metadata"}` from the reply's `data`.
public struct FirecrawlScrapeAction: Action {
    static let failurePrefix = "Failed to scrape"

    let firecrawl: Firecrawl

    public init(client: HTTPClient, environment: [String: String]) {
        firecrawl = Firecrawl(client: client, environment: environment)
    }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        let body: JSON = ["url": .string(step.config.configString("url").trimmed), "formats": ["markdown"]]
        let data = try firecrawl.post("/v1/scrape", body, step: step, failurePrefix: FirecrawlScrapeAction.failurePrefix)["data"]
        return ["markdown": data?["markdown"] ?? .null, "metadata": data?["metadata"] ?? .null]
    }
}

/// Searches `query` for up to `limit` hits; succeeds with `{"data":[…]}`.
public struct FirecrawlSearchAction: Action {
    static let failurePrefix = "Failed to search"
    static let defaultLimit = 5
    static let limits = 1...100

    let firecrawl: Firecrawl

    public init(client: HTTPClient, environment: [String: String]) {
        firecrawl = Firecrawl(client: client, environment: environment)
    }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        let body: JSON = ["query": .string(step.config.configString("query")),
                          "limit": .int(Int64(FirecrawlSearchAction.limit(step.config["limit"]))),
                          "scrapeOptions": ["formats": ["markdown"]]]
        let reply = try firecrawl.post("/v1/search", body, step: step, failurePrefix: FirecrawlSearchAction.failurePrefix)
        return ["data": reply["data"] ?? []]
    }

    /// `limit` as a whole number clamped to 1...100; absent, blank or non-numeric → 5.
    static func limit(_ value: JSON?) -> Int {
        let number: Double?
        switch value {
        case .string(let text)?: number = Double(text.trimmed)
        case let other?: number = other.number
        case nil: number = nil
        }
        guard let number, number.isFinite else { return defaultLimit }
        return Int(min(max(number.rounded(.towardZero), Double(limits.lowerBound)), Double(limits.upperBound)))
    }
}
