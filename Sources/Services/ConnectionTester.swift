// Integration connection tests (SPEC §8): one real call per provider, 10 s deadline, through the outbound client.
// Blocking: call it on the work pool, never on an event loop.
import CSQLite
import Domain
import HTTPClient
import JSON
import Store
#if canImport(Glibc)
import Glibc
#endif

/// Runs the test call of an integration type against its (possibly overridden) base URL.
public final class ConnectionTester: Sendable {
    static let timeoutMs = 10_000
    let client: HTTPClient
    let environment: [String: String]
    let databasesDir: String

    public init(client: HTTPClient, environment: [String: String], dataDir: String) {
        self.client = client
        self.environment = environment
        databasesDir = (dataDir.hasSuffix("/") ? dataDir : dataDir + "/") + "databases"
    }

    /// (success, message): `"Connection successful"` or the provider's detail.
    func test(type: IntegrationType, config: [String: String]) -> (Bool, String) {
        let base = type.baseURL(config: config, environment: environment)
        switch type.name {
        case "ai-gateway":
            return call("GET", base + "/models", bearer: config["apiKey"], body: nil)
        case "slack":
            return call("POST", base + "/auth.test", bearer: config["apiKey"], body: nil) { json in
                json?["ok"] == .bool(true) ? nil : (json?["error"]?.string ?? "Slack did not confirm the token")
            }
        case "resend":
            guard let key = config["apiKey"], key.hasPrefix("re_") else {
                return (false, "Invalid API key format. Resend keys start with re_")
            }
            return call("GET", base + "/domains", bearer: key, body: nil)
        case "linear":
            return call("POST", base + "/graphql", headers: [("Authorization", config["apiKey"] ?? "")],
                        body: ["query": "query { viewer { id name } }"]) { json in
                if case .array(let errors)? = json?["errors"], let first = errors.first {
                    return first["message"]?.string ?? "GraphQL error"
                }
                return nil
            }
        case "firecrawl":
            return call("POST", base + "/v1/scrape", bearer: config["firecrawlApiKey"],
                        body: ["url": "https://example.com", "formats": ["markdown"]])
        case "github":
            return call("GET", base + "/user", bearer: config["token"], body: nil,
                        headers: [("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28")])
        case "database":
            return testDatabase(config["url"] ?? "")
        default:
            return (false, "Invalid integration type")
        }
    }

    private func call(_ method: String, _ url: String, bearer: String? = nil, headers: [(String, String)] = [], body: JSON?,
                      check: ((JSON?) -> String?)? = nil) -> (Bool, String) {
        call(method, url, bearer: bearer, body: body, headers: headers, check: check)
    }

    private func call(_ method: String, _ url: String, bearer: String?, body: JSON?, headers extra: [(String, String)],
                      check: ((JSON?) -> String?)? = nil) -> (Bool, String) {
        var headers = extra
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let request = ClientRequest(method: method, url: url, headers: headers, body: body?.bytes, timeoutMs: ConnectionTester.timeoutMs)
        do {
            let response = try client.send(request)
            let json = try? JSON.parse(response.body)
            guard (200..<300).contains(response.status) else {
                return (false, ProviderError.detail(status: response.status, json: json))
            }
            if let check, let problem = check(json) { return (false, problem) }
            return (true, "Connection successful")
        } catch {
            return (false, error.description)
        }
    }

    private func testDatabase(_ url: String) -> (Bool, String) {
        do {
            let db = try SQLiteURL.open(url, databasesDir: databasesDir)
            guard try db.queryOne("SELECT 1", []) { $0.int(0) } == 1 else { return (false, "Connection failed: no row") }
            return (true, "Connection successful")
        } catch let e as SQLiteURL.Failure {
            return (false, "Connection failed: \(e.message)")
        } catch {
            return (false, "Connection failed: \(error)")
        }
    }
}

/// The provider error detail of SPEC §3.2: `error.message`, `message`, or an `error` string, else `HTTP <status>`.
enum ProviderError {
    static func detail(status: Int, json: JSON?) -> String {
        if let m = json?["error"]?["message"]?.string, !m.isEmpty { return m }
        if let m = json?["message"]?.string, !m.isEmpty { return m }
        if let m = json?["error"]?.string, !m.isEmpty { return m }
        return "HTTP \(status)"
    }
}

/// `sqlite:<name>.db` URLs: files inside `<data dir>/databases/` (created on first use), never outside it.
enum SQLiteURL {
    struct Failure: Error { let message: String }

    static func open(_ url: String, databasesDir: String) throws -> Database {
        guard url.hasPrefix("sqlite:") else {
            if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                throw Failure(message: "PostgreSQL connections are not available in this build")
            }
            throw Failure(message: "unsupported database URL (expected sqlite:<name>.db)")
        }
        var name = String(url.dropFirst("sqlite:".count))
        if name.hasPrefix("//") { name.removeFirst(2) }
        guard !name.isEmpty, !name.hasPrefix("/") else { throw Failure(message: "path outside the databases folder") }
        try Storage.makeDirectory(databasesDir)
        guard let root = realPath(databasesDir) else { throw Failure(message: "databases folder unavailable") }
        let candidate = root + "/" + name
        let resolved: String
        if let r = realPath(candidate) {
            resolved = r
        } else {
            // Something that exists but does not resolve is a dangling symlink: SQLite would create its target,
            // wherever it points.
            var st = stat()
            guard lstat(candidate, &st) != 0 else { throw Failure(message: "path outside the databases folder") }
            let slash = candidate.lastIndex(of: "/")!
            guard let parent = realPath(String(candidate[..<slash])) else { throw Failure(message: "path outside the databases folder") }
            resolved = parent + String(candidate[slash...])
        }
        guard resolved.hasPrefix(root + "/"), !resolved.hasSuffix("/..") else {
            throw Failure(message: "path outside the databases folder")
        }
        do {
            let db = try Database.open(path: resolved, readOnly: false)
            // No ATTACH (it could reach files outside the folder) and no extensions.
            sqlite3_limit(db.handle, SQLITE_LIMIT_ATTACHED, 0)
            return db
        } catch {
            throw Failure(message: error.message)
        }
    }

    static func realPath(_ p: String) -> String? {
        guard let r = realpath(p, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }
}
