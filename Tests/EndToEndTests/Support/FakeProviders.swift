// Local stand-ins for the providers that integration test calls reach (SPEC §8): an in-process HTTP.Server per provider
// on 127.0.0.1:0 that checks each request as the real API would (method, path, auth header form, content type, body)
// and answers with the real API's success or error shape. Plus a port that refuses connections. Started and stopped by
// one test; handlers run on the fake's own loop thread.
import HTTP
import JSON
import Log
#if canImport(Glibc)
import Glibc
import HTTPCore
#endif

/// The providers with an HTTP test call, as integration types.
enum Provider: String, CaseIterable, Sendable, CustomStringConvertible {
    case aiGateway = "ai-gateway", slack, resend, linear, firecrawl, github

    var description: String { rawValue }

    /// The base-URL environment override of SPEC §8.
    var envVar: String {
        switch self {
        case .aiGateway: "ORCHESTRATOR_AI_GATEWAY_BASE_URL"
        case .slack: "ORCHESTRATOR_SLACK_BASE_URL"
        case .resend: "ORCHESTRATOR_RESEND_BASE_URL"
        case .linear: "ORCHESTRATOR_LINEAR_BASE_URL"
        case .firecrawl: "ORCHESTRATOR_FIRECRAWL_BASE_URL"
        case .github: "ORCHESTRATOR_GITHUB_BASE_URL"
        }
    }

    /// The path prefix of the real base URL (`https://api.openai.com/v1`, `https://slack.com/api`).
    var basePath: String {
        switch self {
        case .aiGateway: "/v1"
        case .slack: "/api"
        default: ""
        }
    }

    /// The test call: method and full path on the fake.
    var call: (method: String, path: String) {
        switch self {
        case .aiGateway: ("GET", "/v1/models")
        case .slack: ("POST", "/api/auth.test")
        case .resend: ("GET", "/domains")
        case .linear: ("POST", "/graphql")
        case .firecrawl: ("POST", "/v1/scrape")
        case .github: ("GET", "/user")
        }
    }

    /// The credential the fake accepts.
    var validKey: String {
        switch self {
        case .aiGateway: "sk-proj-validKey0123456789"
        case .slack: "xoxb-1111-2222-validtoken"
        case .resend: "re_valid_123456789"
        case .linear: "lin_api_validkey0123456789"
        case .firecrawl: "fc-validkey0123456789"
        case .github: "ghp_validToken0123456789"
        }
    }

    /// A well-formed credential the fake rejects.
    var wrongKey: String {
        switch self {
        case .aiGateway: "sk-proj-revoked000000"
        case .slack: "xoxb-1111-2222-revoked"
        case .resend: "re_revoked_000000"
        case .linear: "lin_api_revoked000000"
        case .firecrawl: "fc-revoked000000"
        case .github: "ghp_revoked000000"
        }
    }

    /// The config field carrying the credential.
    var secretField: String {
        switch self {
        case .firecrawl: "firecrawlApiKey"
        case .github: "token"
        default: "apiKey"
        }
    }

    /// A complete config with `key` as the credential.
    func config(key: String) -> JSON {
        var c: JSON = [secretField: .string(key)]
        if self == .resend { c.set("fromEmail", "Ops <ops@example.com>") }
        if self == .linear { c.set("teamId", "TEAM-1") }
        return c
    }

    /// The `Authorization` value the real API expects for `key`.
    func authorization(_ key: String) -> String { self == .linear ? key : "Bearer \(key)" }

    /// The JSON body the real API expects (nil: none).
    var expectedBody: JSON? {
        switch self {
        case .linear: ["query": "query { viewer { id name } }"]
        case .firecrawl: ["url": "https://example.com", "formats": ["markdown"]]
        default: nil
        }
    }

    /// The message a test call reports for the provider's rejection of `wrongKey`.
    var rejectionMessage: String {
        switch self {
        case .aiGateway: "Incorrect API key provided"
        case .slack: "invalid_auth"
        case .resend: "API key is invalid"
        case .linear: "Authentication required, not authenticated"
        case .firecrawl: "Unauthorized: Invalid token"
        case .github: "Bad credentials"
        }
    }

    /// The real API's success answer.
    var success: (Int, JSON) {
        switch self {
        case .aiGateway:
            return (200, ["object": "list", "data": [["id": "gpt-4o-mini", "object": "model", "created": 1721172741,
                                                       "owned_by": "system"]]])
        case .slack:
            return (200, ["ok": true, "url": "https://acme.slack.com/", "team": "Acme", "user": "orchestrator",
                          "team_id": "T0001", "user_id": "U0001", "bot_id": "B0001", "is_enterprise_install": false])
        case .resend:
            return (200, ["object": "list", "has_more": false, "data": [["id": "d91cd9bd-1176-453e-8fc1-35364d380206",
                                                                         "name": "example.com", "status": "verified",
                                                                         "created_at": "2025-01-15 10:00:00.000000+00",
                                                                         "region": "us-east-1"]]])
        case .linear:
            return (200, ["data": ["viewer": ["id": "2e5b8d3c-0f4a-4f7e-9d1e-6a2b3c4d5e6f", "name": "Ada Lovelace"]]])
        case .firecrawl:
            return (200, ["success": true, "data": ["markdown": "# Example Domain\n\nThis domain is for use in examples.",
                                                    "metadata": ["title": "Example Domain", "sourceURL": "https://example.com",
                                                                 "statusCode": 200]]])
        case .github:
            return (200, ["login": "octocat", "id": 583231, "type": "User", "name": "The Octocat"])
        }
    }

    /// The real API's answer to a bad credential (`rejectionMessage` is its detail).
    var rejection: (Int, JSON) {
        switch self {
        case .aiGateway:
            return (401, ["error": ["message": .string(rejectionMessage), "type": "invalid_request_error", "param": nil,
                                    "code": "invalid_api_key"]])
        case .slack:
            return (200, ["ok": false, "error": "invalid_auth"])
        case .resend:
            return (401, ["statusCode": 401, "message": .string(rejectionMessage), "name": "validation_error"])
        case .linear:
            return (200, ["errors": [["message": .string(rejectionMessage),
                                      "extensions": ["code": "AUTHENTICATION_ERROR", "type": "authentication error",
                                                     "userPresentableMessage": "You need to authenticate to access this operation."]]]])
        case .firecrawl:
            return (401, ["success": false, "error": .string(rejectionMessage)])
        case .github:
            return (401, ["message": .string(rejectionMessage), "documentation_url": "https://docs.github.com/rest",
                          "status": "401"])
        }
    }

    /// Request-shape problems the real API would not accept, beyond the credential (nil: well-formed).
    func protocolProblem(method: String, path: String, headers: Headers, body: [UInt8]) -> String? {
        let expected = call
        if method != expected.method { return "method \(method), expected \(expected.method)" }
        if path != expected.path { return "path \(path), expected \(expected.path)" }
        if let wanted = expectedBody {
            guard let type = headers["content-type"], type.lowercased().hasPrefix("application/json") else {
                return "content type \(headers["content-type"] ?? "none"), expected application/json"
            }
            guard let sent = try? JSON.parse(body) else { return "body is not JSON: \(String(decoding: body, as: UTF8.self))" }
            if sent != wanted { return "body \(sent.text), expected \(wanted.text)" }
        } else if method == "GET" && !body.isEmpty {
            return "GET with a body"
        }
        if self == .github {
            if headers["accept"] != "application/vnd.github+json" { return "Accept \(headers["accept"] ?? "none")" }
            if headers["x-github-api-version"] != "2022-11-28" {
                return "X-GitHub-Api-Version \(headers["x-github-api-version"] ?? "none")"
            }
            // GitHub rejects requests without a User-Agent.
            if (headers["user-agent"] ?? "").isEmpty { return "no User-Agent" }
        }
        return nil
    }

    /// Whether `authorization` carries `validKey` in the form the real API expects.
    func accepts(authorization: String?) -> Bool { authorization == self.authorization(validKey) }
}

/// One request a fake saw.
struct SeenRequest: Sendable {
    let method: String
    let path: String
    let authorization: String?
    let contentType: String?
    let body: [UInt8]
}

/// A fake provider API on 127.0.0.1:`port`.
final class FakeProvider {
    let provider: Provider
    let server: InProcessServer
    private let seenBox: LockedBox<[SeenRequest]>
    private let problemsBox: LockedBox<[String]>

    var port: Int { server.port }
    /// The base URL to give the server (the env override's value).
    var baseURL: String { "http://127.0.0.1:\(port)\(provider.basePath)" }
    /// The server environment pointing the provider at this fake.
    var environment: [String: String] { [provider.envVar: baseURL] }
    /// Every request so far, in order.
    var seen: [SeenRequest] { seenBox.value }
    /// Requests the real API would not have accepted, described.
    var problems: [String] { problemsBox.value }

    init(_ provider: Provider) throws {
        self.provider = provider
        let seen = LockedBox<[SeenRequest]>([]), problems = LockedBox<[String]>([])
        seenBox = seen
        problemsBox = problems
        let handler: Handler = { req in
            let method = req.method.name
            let auth = req.headers["authorization"]
            seen.withLock {
                $0.append(SeenRequest(method: method, path: req.path, authorization: auth,
                                      contentType: req.headers["content-type"], body: req.body))
            }
            if let problem = provider.protocolProblem(method: method, path: req.path, headers: req.headers, body: req.body) {
                problems.withLock { $0.append(problem) }
                return FakeProvider.answer(400, ["error": ["message": .string("fake \(provider): \(problem)")]])
            }
            let (status, body) = provider.accepts(authorization: auth) ? provider.success : provider.rejection
            return FakeProvider.answer(status, body)
        }
        server = try InProcessServer(configure: { c in
            c.loopCount = 1
            c.shutdownTimeoutMs = 1_000
            c.lingerTimeoutMs = 200
        }, routes: { router in
            // Both methods on the call's path, so a wrong method is seen and reported rather than answered 405.
            router.get(provider.call.path, handler)
            router.post(provider.call.path, handler)
        })
    }

    func stop() { server.stop() }

    static func answer(_ status: Int, _ body: JSON) -> Response {
        Response(status: Status(status), headers: [("Content-Type", "application/json; charset=utf-8")], body: .bytes(body.bytes))
    }
}

/// A TCP port on 127.0.0.1 that is bound but not listening, so every connect is refused. Held until deinit.
final class RefusingPort {
    let fd: Int32
    let port: Int

    init() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0, "socket failed")
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        precondition(bound == 0, "bind failed")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }

    var baseURL: String { "http://127.0.0.1:\(port)" }
}
