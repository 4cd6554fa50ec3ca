// The wired application: configuration, logger, storage, metrics and the HTTP server. Built by `serve`
// (and by tests in-process).
import HTTP
import HTTPClient
import Log

/// One running Orchestrator instance.
public final class Application: Sendable {
    public let config: AppConfig
    public let logger: Logger
    public let server: Server
    public let storage: Storage
    public let metrics: Metrics
    let metricsToken: String?
    let accounts: Accounts
    let apiKeys = APIKeys()
    let integrations: Integrations
    let client: HTTPClient
    let connectionTester: ConnectionTester
    let trustProxy: Bool
    /// The public base URL (`--public-url`, else from host and the bound port); decides the cookie's `Secure` attribute.
    var publicURL: String { config.resolvedPublicURL(boundPort: server.port) }

    public init(config: AppConfig) throws {
        self.config = config
        let logger = Logger(level: config.logLevel, format: config.logFormat)
        self.logger = logger
        if config.dbPath == nil { try Storage.makeDirectory(config.dataDir) }
        client = HTTPClient(caFile: config.environment["ORCHESTRATOR_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 },
                            userAgent: "Orchestrator/\(AppVersion.current)")
        connectionTester = ConnectionTester(client: client, environment: config.environment, dataDir: config.dataDir)
        // The key is checked before the database is touched, so a bad key leaves nothing behind.
        integrations = Integrations(key: try Integrations.loadKey(environment: config.environment, dataDir: config.dataDir, logger: logger))
        storage = try Storage(path: config.databasePath, loops: config.server.loopCount, logger: logger)
        let env = config.environment
        metricsToken = env["ORCHESTRATOR_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        accounts = Accounts(allowSignUp: env["ORCHESTRATOR_ALLOW_SIGNUP"]?.lowercased() != "false",
                            allowAnonymous: env["ORCHESTRATOR_ALLOW_ANONYMOUS"]?.lowercased() != "false",
                            maxFailures: config.signInMaxFailures, windowMs: config.signInWindowMs)
        trustProxy = env["ORCHESTRATOR_TRUST_PROXY"]?.lowercased() == "true"
        let router = Router()
        // Routes are registered on `router` before the server is built, so metrics know every label up front.
        let box = ApplicationBox()
        registerRoutes(on: router, box)
        let metrics = Metrics(routePatterns: router.patterns, loops: config.server.loopCount)
        self.metrics = metrics
        self.server = Server(config: config.server, router: router, logger: logger, observer: metrics, errorMapper: { error in
            Application.mapError(error, logger: logger)
        })
        box.app = self
    }

    /// Binds and starts serving; logs `listening` with the bound port.
    public func start() throws {
        try server.start()
        logger.info("listening", ["host": .string(config.server.host), "port": .int(server.port),
                                  "version": .string(AppVersion.current), "loops": .int(config.server.loopCount)])
    }

    /// Graceful shutdown (SPEC §5, last paragraph).
    public func shutdown() {
        logger.info("shutting down")
        server.shutdown()
        storage.close()
        logger.info("stopped")
        logger.flush()
    }

    static func mapError(_ error: any Error, logger: Logger) -> Response? {
        if let e = error as? APIError {
            if case .internalError(let detail) = e { logger.error("internal error", ["error": .string(detail)]) }
            return e.response
        }
        logger.error("unhandled error", ["error": .string(String(describing: error))])
        return Response.error(.internalServerError, "Internal server error")
    }
}

/// Lets route closures, registered before `Application.init` finishes, reach the application once it exists.
final class ApplicationBox: @unchecked Sendable {   // `app` is set once in Application.init, before the server starts
    unowned(unsafe) var app: Application!
}
