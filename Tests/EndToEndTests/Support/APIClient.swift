// Helpers for the account, API-key and operations suites: a JSON-over-HTTP client with a session cookie jar (one
// connection per request, built on RawClient), an in-process Application with an injected clock, a CLI runner for
// the built binary, scratch directories and byte searches over database files. Each object is used by one test thread.
import App
import Foundation
import JSON
import Store
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Responses

/// A response as the API client saw it, with its body parsed as JSON when it is JSON.
struct APIResponse {
    let raw: HTTPResponse

    var status: Int { raw.status }
    var text: String { raw.text }
    var json: JSON? { try? JSON.parse(raw.body) }
    /// `error` of an error body.
    var error: String? { json?["error"]?.string }
    /// `user` of a `{"user": …}` body.
    var user: JSON? { json?["user"] }

    func header(_ name: String) -> String? { raw.header(name) }

    var setCookies: [String] { raw.headers.filter { $0.name.lowercased() == "set-cookie" }.map(\.value) }

    /// The `orchestrator_session` token a Set-Cookie carried (nil when none, or when it clears the cookie).
    var sessionToken: String? {
        for c in setCookies where c.hasPrefix("orchestrator_session=") {
            let value = c.dropFirst("orchestrator_session=".count).prefix { $0 != ";" }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }
}

// MARK: - Client

/// Sends requests to 127.0.0.1:`port`, one connection each, carrying the session cookie it was last given.
final class APIClient {
    let port: Int
    /// The `orchestrator_session` token sent as a cookie (nil: none). Updated from every Set-Cookie.
    var session: String?
    var timeout: Double = 30

    init(port: Int, session: String? = nil) {
        self.port = port
        self.session = session
    }

    /// Sends `body` as is (so tests can send malformed JSON); `contentType` nil sends no Content-Type.
    @discardableResult
    func send(_ method: String, _ path: String, body: String? = nil, contentType: String? = "application/json",
              headers: [String] = []) throws -> APIResponse {
        var h = headers
        if body != nil, let contentType { h.append("Content-Type: \(contentType)") }
        if let session { h.append("Cookie: orchestrator_session=\(session)") }
        let c = try RawClient(port: port, timeout: timeout)
        defer { c.close() }
        try c.send(Req.make(method, path, headers: h, body: body))
        let r = APIResponse(raw: try c.readResponse(head: method == "HEAD"))
        if r.setCookies.contains(where: { $0.hasPrefix("orchestrator_session=") }) { session = r.sessionToken }
        return r
    }

    @discardableResult
    func get(_ path: String, headers: [String] = []) throws -> APIResponse { try send("GET", path, headers: headers) }

    @discardableResult
    func post(_ path: String, _ json: JSON? = nil, headers: [String] = []) throws -> APIResponse {
        try send("POST", path, body: json?.text, headers: headers)
    }

    @discardableResult
    func patch(_ path: String, _ json: JSON, headers: [String] = []) throws -> APIResponse {
        try send("PATCH", path, body: json.text, headers: headers)
    }

    @discardableResult
    func delete(_ path: String) throws -> APIResponse { try send("DELETE", path) }

    @discardableResult
    func signUp(_ email: String, _ password: String, name: String = "Ada Lovelace") throws -> APIResponse {
        try post("/api/auth/sign-up/email", ["email": .string(email), "password": .string(password), "name": .string(name)])
    }

    @discardableResult
    func signIn(_ email: String, _ password: String, headers: [String] = []) throws -> APIResponse {
        try post("/api/auth/sign-in/email", ["email": .string(email), "password": .string(password)], headers: headers)
    }

    @discardableResult
    func signInAnonymously() throws -> APIResponse { try post("/api/auth/sign-in/anonymous") }
}

// MARK: - Shapes

enum Shape {
    /// `<prefix>` + 21 chars of [0-9a-z].
    static func isID(_ s: String?, prefix: String) -> Bool {
        guard let s, s.hasPrefix(prefix) else { return false }
        let rest = s.dropFirst(prefix.count).unicodeScalars
        return rest.count == 21 && rest.allSatisfy { ("0"..."9").contains($0) || ("a"..."z").contains($0) }
    }

    /// `2025-01-15T10:00:00.000Z`.
    static func isTimestamp(_ s: String?) -> Bool {
        guard let s else { return false }
        let b = Array(s.utf8)
        guard b.count == 24 else { return false }
        let pattern = Array("dddd-dd-ddTdd:dd:dd.dddZ".utf8)
        for (c, p) in zip(b, pattern) {
            if p == UInt8(ascii: "d") { guard c >= 0x30 && c <= 0x39 else { return false } } else if c != p { return false }
        }
        return true
    }

    static func isBase64URL(_ s: Substring) -> Bool {
        s.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
    }

    /// Member names of an object, in order.
    static func keys(_ json: JSON?) -> [String] { json?.object?.map(\.key) ?? [] }
}

/// Distinct emails within one test.
func uniqueEmail(_ tag: String = "user") -> String { "\(tag)-\(UInt64.random(in: 0...UInt64.max))@example.com" }

// MARK: - Scratch directories

/// A fresh directory under /tmp, removed with everything in it on deinit.
final class ScratchDir {
    let path: String

    init() throws {
        var template = Array("/tmp/orchestrator-api-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw ServerProcessError(description: "mkdtemp failed") }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

// MARK: - Database files

enum DBFiles {
    /// The database at `path` plus its `-wal` and `-shm` files, as bytes (missing files are skipped).
    static func bytes(of path: String) -> [[UInt8]] {
        [path, path + "-wal", path + "-shm"].compactMap { p in FileManager.default.contents(atPath: p).map { Array($0) } }
    }

    /// True when any of the database's files contains `needle` (its UTF-8 bytes).
    static func contain(_ path: String, _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        return bytes(of: path).contains { find(n, in: $0) }
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Bool {
        guard let first = needle.first, hay.count >= needle.count else { return needle.isEmpty }
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// The single text value of `sql`, or nil.
    static func text(_ db: Database, _ sql: String, _ args: [SQLValue] = []) throws -> String? {
        try db.queryOne(sql, args) { $0.optionalText(0) } ?? nil
    }

    static func int(_ db: Database, _ sql: String, _ args: [SQLValue] = []) throws -> Int64? {
        try db.queryOne(sql, args) { $0.optionalInt(0) } ?? nil
    }
}

// MARK: - In-process application with an injected clock

/// Milliseconds since the epoch that only move when the test says so.
final class ManualClock: Sendable {
    /// 2026-01-01T00:00:00.000Z.
    static let start: Int64 = 1_767_225_600_000
    private let ms = Atomic<Int64>(ManualClock.start)

    var now: Int64 { ms.load(ordering: .acquiring) }
    func advance(ms delta: Int64) { _ = ms.add(delta, ordering: .acquiringAndReleasing) }
    func advance(seconds: Int64) { advance(ms: seconds * 1000) }
    func advance(hours: Int64) { advance(ms: hours * 3_600_000) }
}

/// An `Application` in the test process on 127.0.0.1:0 with a fresh data dir and a `ManualClock`. The configuration
/// goes through `AppConfig.load`, so environment variables are parsed as `serve` parses them.
final class LocalApp {
    let dir: ScratchDir
    let clock = ManualClock()
    let app: Application
    private var stopped = false

    var port: Int { app.server.port }
    var dbPath: String { app.config.databasePath }

    init(environment: [String: String] = [:], flags: [String] = []) throws {
        dir = try ScratchDir()
        var (config, _) = try AppConfig.load(
            flags: ["--host", "127.0.0.1", "--port", "0", "--data-dir", dir.path, "--log-level", "error"] + flags,
            environment: environment)
        config.server.loopCount = 2
        config.server.shutdownTimeoutMs = 2_000
        let clock = self.clock
        config.clock = { clock.now }
        app = try Application(config: config)
        try app.start()
    }

    deinit { stop() }

    func stop() {
        guard !stopped else { return }
        stopped = true
        app.shutdown()
    }

    func client(session: String? = nil) -> APIClient { APIClient(port: port, session: session) }
}

// MARK: - Running the CLI

/// What one `orchestrator <command>` run printed and returned.
struct CommandResult {
    let code: Int32
    let stdout: String
    let stderr: String
}

enum OrchestratorCLI {
    /// Runs the built binary with `args`, `stdin` as its standard input (else /dev/null) and the test's environment
    /// minus ORCHESTRATOR_* plus `environment`; waits up to `timeout` seconds (then SIGKILL, code -1).
    static func run(_ args: [String], stdin: String? = nil, environment: [String: String] = [:],
                    timeout: Double = 60, executable: String = ServerProcess.binaryPath) throws -> CommandResult {
        let scratch = try ScratchDir()
        let inPath = scratch.file("stdin"), outPath = scratch.file("stdout"), errPath = scratch.file("stderr")
        if let stdin { FileManager.default.createFile(atPath: inPath, contents: Data(stdin.utf8)) }

        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ORCHESTRATOR_") }
        env["ORCHESTRATOR_LOG_LEVEL"] = "error"
        for (k, v) in environment { env[k] = v }
        let argv = [executable] + args

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin == nil ? "/dev/null" : inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attr, &mask)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))

        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        guard rc == 0 else {
            throw ServerProcessError(description: "posix_spawn \(argv[0]): \(String(cString: strerror(rc)))")
        }
        var code: Int32 = -1
        let deadline = monotonicSeconds() + timeout
        while true {
            var status: Int32 = 0
            let w = waitpid(pid, &status, WNOHANG)
            if w == pid {
                let signal = status & 0x7F
                code = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
                break
            }
            if w < 0 && errno != EINTR { break }
            if monotonicSeconds() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            sleepSeconds(0.005)
        }
        func read(_ p: String) -> String {
            FileManager.default.contents(atPath: p).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        return CommandResult(code: code, stdout: read(outPath), stderr: read(errPath))
    }
}

// MARK: - Shared state for test threads

/// A value shared between test threads under a lock.
final class LockedBox<T: Sendable>: Sendable {
    private let mutex: Mutex<T>

    init(_ value: T) { mutex = Mutex(value) }

    func withLock<R: Sendable>(_ body: (inout T) -> R) -> R { mutex.withLock { body(&$0) } }
    var value: T { mutex.withLock { $0 } }
}
