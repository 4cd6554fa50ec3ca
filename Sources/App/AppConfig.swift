// Configuration per SPEC §14: command-line flag > environment variable > default. Built once at start-up; immutable.
import HTTP
import Log

/// A usage error: printed with the usage text, exit code 2.
public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Everything `serve` and the other commands read from flags and the environment.
public struct AppConfig: Sendable {
    public var server = ServerConfig()
    public var dataDir = "./data"
    public var dbPath: String?
    public var publicURL: String?
    public var logLevel = LogLevel.info
    public var logFormat = LogFormat.text
    public var workers = 32
    public var stepTimeoutMs = 60_000
    public var environment: [String: String] = [:]
    public var signInMaxFailures = 5
    public var signInWindowMs: Int64 = 900_000
    /// Requests per minute per client address to the sign-up and sign-in routes (0 = off).
    public var authPerIPPerMinute = 60
    /// Jobs that may wait for a blocking-work thread (SPEC §0 Limits); past it 503 "Server busy".
    public var maxQueuedJobs = 1024
    /// Runs accepted and not yet finished (SPEC §0 Limits); past it execute and the webhook answer 503.
    public var maxPendingRuns = 10_000
    /// Wall-clock milliseconds; tests replace it to move time.
    public var clock: @Sendable () -> Int64 = { ISO8601.nowMilliseconds() }

    /// The database file: `--db`, else `<data dir>/orchestrator.db`.
    public var databasePath: String { dbPath ?? (dataDir.hasSuffix("/") ? dataDir : dataDir + "/") + "orchestrator.db" }

    /// Reads the environment, then applies `flags` (already split from the command). Unknown flags are usage errors.
    public static func load(flags: [String], environment env: [String: String]) throws(UsageError) -> (AppConfig, rest: [String]) {
        let (c, rest, _) = try load(flags: flags, environment: env, extra: [])
        return (c, rest)
    }

    /// As `load`, also accepting the command-specific options named in `extra` (returned by name, without `--`).
    public static func load(flags: [String], environment env: [String: String], extra: Set<String>)
        throws(UsageError) -> (AppConfig, rest: [String], options: [String: String]) {
        var options: [String: String] = [:]
        var c = AppConfig()
        c.environment = env
        func int(_ name: String, _ v: String) throws(UsageError) -> Int {
            guard let i = Int(v), i >= 0 else { throw UsageError("\(name) must be a non-negative integer, got \"\(v)\"") }
            return i
        }
        func seconds(_ name: String, _ v: String) throws(UsageError) -> Int64 {
            guard let d = Double(v), d > 0, d.isFinite else { throw UsageError("\(name) must be a positive number of seconds, got \"\(v)\"") }
            return Int64((d * 1000).rounded())
        }
        func apply(_ key: String, _ v: String, source: String) throws(UsageError) {
            if extra.contains(key) {
                options[key] = v
                return
            }
            switch key {
            case "port":
                let p = try int(source, v)
                guard p <= 65535 else { throw UsageError("\(source) must be a port number (0-65535)") }
                c.server.port = p
            case "host": c.server.host = v
            case "data-dir": c.dataDir = v
            case "db": c.dbPath = v
            case "public-url": c.publicURL = v
            case "max-body-bytes": c.server.maxBodyBytes = try int(source, v)
            case "max-webhook-body-bytes": c.server.maxWebhookBodyBytes = try int(source, v)
            case "max-connections":
                let n = try int(source, v)
                guard n > 0 else { throw UsageError("\(source) must be positive") }
                c.server.maxConnections = n
            case "workers":
                let n = try int(source, v)
                guard n > 0 else { throw UsageError("\(source) must be positive") }
                c.workers = n
            case "log-level":
                guard let l = LogLevel(name: v) else { throw UsageError("\(source) must be debug, info, warn or error") }
                c.logLevel = l
            case "log-format":
                guard let f = LogFormat(rawValue: v) else { throw UsageError("\(source) must be text or json") }
                c.logFormat = f
            default:
                throw UsageError("unknown option --\(key)")
            }
        }
        let envFlags: [(String, String)] = [
            ("ORCHESTRATOR_PORT", "port"), ("ORCHESTRATOR_HOST", "host"), ("ORCHESTRATOR_DATA_DIR", "data-dir"),
            ("ORCHESTRATOR_DB_PATH", "db"), ("ORCHESTRATOR_PUBLIC_URL", "public-url"),
            ("ORCHESTRATOR_MAX_BODY_BYTES", "max-body-bytes"), ("ORCHESTRATOR_MAX_WEBHOOK_BODY_BYTES", "max-webhook-body-bytes"),
            ("ORCHESTRATOR_MAX_CONNECTIONS", "max-connections"), ("ORCHESTRATOR_WORKERS", "workers"),
            ("ORCHESTRATOR_LOG_LEVEL", "log-level"), ("ORCHESTRATOR_LOG_FORMAT", "log-format"),
        ]
        for (name, key) in envFlags {
            if let v = env[name], !v.isEmpty { try apply(key, v, source: name) }
        }
        if let v = env["ORCHESTRATOR_MAX_HEADER_BYTES"], !v.isEmpty {
            c.server.parserLimits.maxHeaderBytes = try int("ORCHESTRATOR_MAX_HEADER_BYTES", v)
        }
        if let v = env["ORCHESTRATOR_MAX_REQUEST_LINE_BYTES"], !v.isEmpty {
            c.server.parserLimits.maxRequestLineBytes = try int("ORCHESTRATOR_MAX_REQUEST_LINE_BYTES", v)
        }
        if let v = env["ORCHESTRATOR_HEADER_TIMEOUT_S"], !v.isEmpty { c.server.headerTimeoutMs = try seconds("ORCHESTRATOR_HEADER_TIMEOUT_S", v) }
        if let v = env["ORCHESTRATOR_KEEPALIVE_TIMEOUT_S"], !v.isEmpty { c.server.keepAliveTimeoutMs = try seconds("ORCHESTRATOR_KEEPALIVE_TIMEOUT_S", v) }
        if let v = env["ORCHESTRATOR_BODY_TIMEOUT_S"], !v.isEmpty { c.server.bodyTimeoutMs = try seconds("ORCHESTRATOR_BODY_TIMEOUT_S", v) }
        if let v = env["ORCHESTRATOR_SHUTDOWN_TIMEOUT_S"], !v.isEmpty { c.server.shutdownTimeoutMs = try seconds("ORCHESTRATOR_SHUTDOWN_TIMEOUT_S", v) }
        if let v = env["ORCHESTRATOR_MAX_BUFFERED_BODY_BYTES"], !v.isEmpty {
            c.server.maxBufferedBodyBytes = try int("ORCHESTRATOR_MAX_BUFFERED_BODY_BYTES", v)
        }
        /// The positive integer in environment variable `name`, if set.
        func positive(_ name: String) throws(UsageError) -> Int? {
            guard let v = env[name], !v.isEmpty else { return nil }
            let n = try int(name, v)
            guard n > 0 else { throw UsageError("\(name) must be positive") }
            return n
        }
        if let n = try positive("ORCHESTRATOR_STEP_TIMEOUT_MS") { c.stepTimeoutMs = n }
        if let n = try positive("ORCHESTRATOR_SIGNIN_MAX_FAILURES") { c.signInMaxFailures = n }
        if let n = try positive("ORCHESTRATOR_MAX_PENDING_RUNS") { c.maxPendingRuns = n }
        if let n = try positive("ORCHESTRATOR_MAX_QUEUED_JOBS") { c.maxQueuedJobs = n }
        if let v = env["ORCHESTRATOR_AUTH_PER_IP_PER_MINUTE"], !v.isEmpty {
            c.authPerIPPerMinute = try int("ORCHESTRATOR_AUTH_PER_IP_PER_MINUTE", v)
        }
        if let v = env["ORCHESTRATOR_SIGNIN_WINDOW_S"], !v.isEmpty { c.signInWindowMs = try seconds("ORCHESTRATOR_SIGNIN_WINDOW_S", v) }
        // Flags last: they win. `--name value` and `--name=value` both work.
        var rest: [String] = []
        var i = 0
        while i < flags.count {
            let arg = flags[i]
            if arg.hasPrefix("--") {
                let body = arg.dropFirst(2)
                if let eq = body.firstIndex(of: "=") {
                    try apply(String(body[..<eq]), String(body[body.index(after: eq)...]), source: "--\(body[..<eq])")
                } else {
                    guard extra.contains(String(body)) || AppConfig.valueOptions.contains(String(body)) else {
                        throw UsageError("unknown option \(arg)")
                    }
                    guard i + 1 < flags.count else { throw UsageError("option \(arg) needs a value") }
                    try apply(String(body), flags[i + 1], source: arg)
                    i += 1
                }
            } else {
                rest.append(arg)
            }
            i += 1
        }
        return (c, rest, options)
    }

    /// The options every command accepts, each with a value.
    static let valueOptions: Set<String> = ["port", "host", "data-dir", "db", "public-url", "max-body-bytes",
                                            "max-webhook-body-bytes", "max-connections", "workers", "log-level", "log-format"]

    /// The public base URL: `--public-url`, else `http://<host>:<port>`.
    public func resolvedPublicURL(boundPort: Int) -> String {
        if let p = publicURL, !p.isEmpty { return p.hasSuffix("/") ? String(p.dropLast()) : p }
        let host = server.host.contains(":") ? "[\(server.host)]" : server.host
        return "http://\(host):\(boundPort)"
    }
}
