// Router matching without sockets (SPEC §0): static beats {param}, exact paths, HEAD via GET, 405 with Allow, path headers.
import Testing
@testable import HTTP

@Suite struct RouterTests {
    static let cors: [(name: String, value: String)] = [("Access-Control-Allow-Origin", "*")]

    static func makeRouter() -> Router {
        let router = Router()
        let ok: Handler = { _ in Response() }
        router.get("/health", ok)
        router.post("/api/workflows/create", bodyLimit: .large, ok)
        router.get("/api/workflows", ok)
        router.get("/api/workflows/{workflowId}", ok)
        router.patch("/api/workflows/{workflowId}", bodyLimit: .large, ok)
        router.delete("/api/workflows/{workflowId}", ok)
        router.post("/api/workflows/{workflowId}/webhook", bodyLimit: .webhook, ok)
        router.options("/api/workflows/{workflowId}/webhook", ok)
        router.setPathHeaders("/api/workflows/{workflowId}/webhook", cors)
        router.get("/api/workflows/{workflowId}/executions", ok)
        router.get("/api/executions/{executionId}/logs", ok)
        router.add(.head, "/api/executions/{executionId}", ok)
        router.get("/api/executions/{executionId}", ok)
        router.get("/a/{x}/c", ok)
        router.get("/a/b/d", ok)
        return router
    }

    let router = makeRouter()

    /// "found <pattern> <params>", "405 <Allow>", or "404".
    func match(_ method: HTTP.Method, _ path: String) -> String {
        switch router.match(method, path) {
        case .found(let route, let params, _):
            let p = params.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
            return p.isEmpty ? "found \(route.pattern)" : "found \(route.pattern) \(p)"
        case .methodNotAllowed(let allow, _):
            return "405 \(allow)"
        case .notFound:
            return "404"
        }
    }

    @Test func staticSegmentBeatsAParameter() {
        #expect(match(.get, "/api/workflows/create") == "405 POST")
        #expect(match(.post, "/api/workflows/create") == "found POST /api/workflows/create")
        #expect(match(.get, "/api/workflows/wf_1") == "found GET /api/workflows/{workflowId} workflowId=wf_1")
    }

    @Test func parametersAreExtracted() {
        #expect(match(.post, "/api/workflows/wf_abc/webhook") == "found POST /api/workflows/{workflowId}/webhook workflowId=wf_abc")
        #expect(match(.get, "/api/executions/exec_9/logs") == "found GET /api/executions/{executionId}/logs executionId=exec_9")
        #expect(match(.get, "/api/workflows/a%2Fb") == "found GET /api/workflows/{workflowId} workflowId=a%2Fb")   // undecoded
    }

    @Test func aParameterNeverMatchesAnEmptySegment() {
        #expect(match(.get, "/api/workflows//webhook") == "404")
        #expect(match(.get, "/api/executions//logs") == "404")
    }

    @Test func backtracksFromALiteralThatLeadsNowhere() {
        #expect(match(.get, "/a/b/c") == "found GET /a/{x}/c x=b")
        #expect(match(.get, "/a/b/d") == "found GET /a/b/d")
        #expect(match(.get, "/a/z/d") == "404")
    }

    @Test(arguments: ["/health/", "/api/workflows/", "/api/workflows/wf_1/", "//health", "/health//", "/", "", "health",
                      "/HEALTH", "/api/workflows/wf_1/webhook/extra", "/api", "*"])
    func pathsMatchExactly(path: String) {
        #expect(match(.get, path) == "404")
    }

    @Test func headFallsBackToGet() {
        #expect(match(.head, "/health") == "found GET /health")
        #expect(match(.head, "/api/workflows/wf_1") == "found GET /api/workflows/{workflowId} workflowId=wf_1")
        #expect(match(.head, "/api/executions/exec_1") == "found HEAD /api/executions/{executionId} executionId=exec_1")
    }

    @Test func allowListsEveryMethodWithHeadWhereGetIs() {
        #expect(match(.post, "/health") == "405 GET, HEAD")
        #expect(match(.put, "/api/workflows/wf_1") == "405 GET, HEAD, PATCH, DELETE")
        #expect(match(.get, "/api/workflows/wf_1/webhook") == "405 POST, OPTIONS")
        #expect(match(.head, "/api/workflows/wf_1/webhook") == "405 POST, OPTIONS")
        #expect(match(.delete, "/api/executions/exec_1") == "405 HEAD, GET")   // HEAD registered itself: listed once
        #expect(match(.trace, "/api/workflows/create") == "405 POST")
    }

    @Test func pathHeadersComeWithFoundAnd405ButNot404() {
        switch router.match(.post, "/api/workflows/wf_1/webhook") {
        case .found(let route, _, let headers):
            #expect(route.bodyLimit == .webhook)
            #expect(headers.map(\.name) == ["Access-Control-Allow-Origin"] && headers.map(\.value) == ["*"])
        default:
            Issue.record("webhook POST not found")
        }
        switch router.match(.get, "/api/workflows/wf_1/webhook") {
        case .methodNotAllowed(_, let headers):
            #expect(headers.map(\.name) == ["Access-Control-Allow-Origin"])
        default:
            Issue.record("webhook GET not a 405")
        }
        switch router.match(.get, "/api/workflows/wf_1") {
        case .found(_, _, let headers): #expect(headers.isEmpty)
        default: Issue.record("workflow GET not found")
        }
    }

    @Test func bodyLimitsFollowTheRoute() {
        guard case .found(let create, _, _) = router.match(.post, "/api/workflows/create"),
              case .found(let get, _, _) = router.match(.get, "/health") else { Issue.record("not found"); return }
        #expect(create.bodyLimit == .large)
        #expect(get.bodyLimit == .standard)
    }

    @Test func anEmptyRouterFindsNothing() {
        let empty = Router()
        guard case .notFound = empty.match(.get, "/") else { Issue.record("expected 404"); return }
    }

    @Test func rootCanBeARoute() {
        let r = Router()
        r.get("/", { _ in Response() })
        guard case .found = r.match(.get, "/") else { Issue.record("expected a match"); return }
        guard case .notFound = r.match(.get, "//") else { Issue.record("expected 404"); return }
    }
}
