// Scrape and Search through Firecrawl: the requests (key, body, search limit rule), their outputs, and failures with
// the provider detail and retry rule.
import Engine
import JSON
import Testing
@testable import Actions

@Suite struct FirecrawlTests {
    let integration: JSON = ["firecrawlApiKey": "fc-secret"]

    func run(_ id: String, _ config: JSON, _ reply: Reply) throws -> (Result<JSON, StepFailure>, TestServer) {
        let server = try TestServer { _ in reply }
        defer { server.stop() }
        let actions = ActionRegistry.all(client: Shared.client, environment: ["ORCHESTRATOR_FIRECRAWL_BASE_URL": server.url("")])
        let action = try #require(actions[id])
        let result: Result<JSON, StepFailure>
        do { result = .success(try action.run(providerStep(config, integration: integration))) } catch { result = .failure(error) }
        return (result, server)
    }

    @Test func scrapeSendsTheURLAndReturnsMarkdownAndMetadata() throws {
        let reply: JSON = ["success": true, "data": ["markdown": "# Title", "metadata": ["title": "Title", "statusCode": 200],
                                                     "html": "<h1>"]]
        let (result, server) = try run("firecrawl/scrape", ["actionType": "firecrawl/scrape", "url": "https://example.com"],
                                       .json(200, reply))
        #expect(try result.get() == ["markdown": "# Title", "metadata": ["title": "Title", "statusCode": 200]])
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.target == "/v1/scrape")
        #expect(request.values("Authorization") == ["Bearer fc-secret"])
        #expect(request.values("Content-Type") == ["application/json"])
        #expect(request.header("User-Agent") == "Orchestrator/test")
        #expect(request.json == ["url": "https://example.com", "formats": ["markdown"]])
    }

    @Test func searchSendsQueryLimitAndScrapeOptions() throws {
        let hits: JSON = [["url": "https://a.test", "title": "A", "markdown": "a"]]
        let (result, server) = try run("firecrawl/search", ["query": "swift", "limit": "3"], .json(200, ["success": true, "data": hits]))
        #expect(try result.get() == ["data": hits])
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.target == "/v1/search")
        #expect(request.values("Authorization") == ["Bearer fc-secret"])
        #expect(request.values("Content-Type") == ["application/json"])
        #expect(request.json == ["query": "swift", "limit": 3, "scrapeOptions": ["formats": ["markdown"]]])
    }

    @Test(arguments: [(nil, 5), ("", 5), ("abc", 5), ("0", 1), ("-4", 1), ("250", 100), ("100", 100), (" 7 ", 7)] as [(String?, Int)])
    func searchLimitRule(_ limit: String?, _ sent: Int) throws {
        var config: JSON = ["query": "q"]
        if let limit { config.set("limit", .string(limit)) }
        let (_, server) = try run("firecrawl/search", config, .json(200, ["success": true, "data": []]))
        #expect(server.requests.first?.json["limit"] == .int(Int64(sent)))
    }

    @Test func numericLimitValues() {
        #expect(FirecrawlSearchAction.limit(.int(20)) == 20)
        #expect(FirecrawlSearchAction.limit(.double(2.9)) == 2)
        #expect(FirecrawlSearchAction.limit(.bool(true)) == 5)
        #expect(FirecrawlSearchAction.limit(.null) == 5)
    }

    @Test(arguments: [(503, true), (400, false), (402, false), (429, true)])
    func failuresUseTheDetailAndRetryRule(_ status: Int, _ retryable: Bool) throws {
        let error: Reply = .json(status, ["success": false, "error": "Payment required"])
        let (scrape, _) = try run("firecrawl/scrape", ["url": "https://example.com"], error)
        #expect(scrape == .failure(StepFailure("Failed to scrape: Payment required", retryable: retryable)))
        let (search, _) = try run("firecrawl/search", ["query": "q"], error)
        #expect(search == .failure(StepFailure("Failed to search: Payment required", retryable: retryable)))
        let (plain, _) = try run("firecrawl/search", ["query": "q"], .text(status, "oops"))
        #expect(plain == .failure(StepFailure("Failed to search: HTTP \(status)", retryable: retryable)))
    }

    @Test func successFalseInA200IsAFailure() throws {
        let (result, _) = try run("firecrawl/scrape", ["url": "https://example.com"],
                                  .json(200, ["success": false, "error": "Unsupported URL"]))
        #expect(result == .failure(StepFailure("Failed to scrape: Unsupported URL")))
    }
}
