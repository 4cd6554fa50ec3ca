// The wired application: configuration, logger, storage, services, the API's routes and the HTTP server. Built by
// `serve` (and by tests in-process) on the main thread; immutable afterwards.
import API
import Actions
import Dispatch
import Engine
import Domain
import HTTP
import System
import HTTPClient
import Log
import Services

/// One running Orchestrator instance.
public final class Application: Sendable {
    /// scrypt with N=2^15, r=8 needs 32 MiB per hash: hashing has its own small pool, so at most 4 run at once and a
    /// sign-in flood queues there instead of occupying the shared work pool.
    static let hashPool = WorkPool(maxThreads: 4)
    static let housekeepingIntervalS = 3600

    public let config: AppConfig
    public let logger: Logger
    public let server: Server
    public let services: Services
    public let metrics: Metrics
    /// Hourly housekeeping (SPEC §1); its first pass runs at start.
    private let housekeepingTimer: RepeatingTimer

    /// Held while serving when `exclusive` (the `serve` command): one process per listen address and data directory.
    private let listenLock: ListenAddressLock?
    private let dataLock: DataDirectoryLock?

    /// Builds the instance: configuration checks first, then the locks, then the disk (key, database, migrations).
    /// `exclusive` takes the listen-address and data-directory locks (`serve`; in-process tests run without).
    public init(config: AppConfig, exclusive: Bool = false) throws {
        self.config = config
        let logger = Logger(level: config.logLevel, format: config.logFormat)
        self.logger = logger
        let env = config.environment
        try Startup.checkHost(config.server.host)
        listenLock = exclusive && config.server.port != 0
            ? try ListenAddressLock(host: config.server.host, port: config.server.port) : nil
        if config.dbPath == nil || exclusive { try Storage.makeDirectory(config.dataDir) }
        dataLock = exclusive ? try DataDirectoryLock(dir: config.dataDir) : nil
        let client = HTTPClient(caFile: env["ORCHESTRATOR_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 },
                                userAgent: "Orchestrator/\(AppVersion.current)")
        // The key is checked before the database is touched, so a bad key leaves nothing behind.
        let key = try EncryptionKey.load(environment: env, dataDir: config.dataDir, logger: logger)
        let storage = try Storage(path: config.databasePath, loops: config.server.loopCount, logger: logger)
        let clock = config.clock
        let hashPool = Application.hashPool
        let engineMetrics = EngineMetrics()
        let engine = Engine(actions: ActionRegistry.all(client: client, environment: env),
                            sink: ExecutionStore(writer: storage.writer, logger: logger), observer: engineMetrics,
                            workers: config.workers, defaultTimeoutMs: config.stepTimeoutMs, maxUnfinished: config.maxPendingRuns,
                            clock: clock, logger: logger)
        let integrations = Integrations(key: key, storage: storage, clock: clock, logger: logger,
                                        tester: ConnectionTester(client: client, environment: env, dataDir: config.dataDir))
        let executions = Executions(storage: storage, engine: engine, integrations: integrations, clock: clock, logger: logger)
        // Crash recovery, before anything listens (SPEC §5).
        let recovered = try executions.recoverInterrupted()
        if recovered > 0 { logger.warn("runs interrupted by a restart marked as failed", ["count": .int(recovered)]) }
        let apiKeys = APIKeys(storage: storage, clock: clock, logger: logger)
        services = Services(
            storage: storage,
            accounts: Accounts(storage: storage, clock: clock, logger: logger, hashing: { hashPool.async(execute: $0) },
                               allowSignUp: env["ORCHESTRATOR_ALLOW_SIGNUP"]?.lowercased() != "false",
                               allowAnonymous: env["ORCHESTRATOR_ALLOW_ANONYMOUS"]?.lowercased() != "false",
                               maxFailures: config.signInMaxFailures, windowMs: config.signInWindowMs,
                               perAddressPerMinute: config.authPerIPPerMinute),
            apiKeys: apiKeys,
            integrations: integrations,
            workflows: Workflows(storage: storage, clock: clock),
            housekeeping: Housekeeping(storage: storage, clock: clock, logger: logger),
            executions: executions,
            webhooks: Webhooks(storage: storage, apiKeys: apiKeys, executions: executions, clock: clock),
            clock: clock)

        var settings = API.Settings()
        settings.metricsToken = env["ORCHESTRATOR_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        settings.trustProxy = env["ORCHESTRATOR_TRUST_PROXY"]?.lowercased() == "true"
        settings.secureCookies = config.publicURL.map { $0.lowercased().hasPrefix("https://") } ?? false
        let metrics = Metrics(loops: config.server.loopCount, engine: engineMetrics)
        self.metrics = metrics
        let api = API(services: services, metrics: metrics, logger: logger, settings: settings,
                      work: WorkPool(maxThreads: 128, maxQueued: config.maxQueuedJobs),
                      largeWork: WorkPool(maxThreads: 2, maxQueued: config.maxQueuedJobs))
        let router = Router()
        registerRoutes(on: router, api)
        metrics.register(routes: router.patterns)
        server = Server(config: config.server, router: router, logger: logger, observer: metrics, errorMapper: api.errorMapper)
        let housekeeping = services.housekeeping
        housekeepingTimer = RepeatingTimer(label: "orchestrator.housekeeping", everySeconds: Application.housekeepingIntervalS) {
            do { try housekeeping.run() } catch { logger.error("housekeeping failed", ["error": .string("\(error)")]) }
        }
    }

    /// Binds and starts serving; logs `listening` with the bound port.
    public func start() throws {
        try server.start()
        housekeepingTimer.start()
        logger.info("listening", ["host": .string(config.server.host), "port": .int(server.port),
                                  "version": .string(AppVersion.current), "loops": .int(config.server.loopCount)])
    }

    /// Graceful shutdown (SPEC §5, last paragraph).
    public func shutdown() {
        logger.info("shutting down", ["open_connections": .int(server.connectionCount),
                                      "deferred_requests": .int(server.deferredRequestCount),
                                      "note": .string("a second SIGTERM or SIGINT exits at once")])
        housekeepingTimer.cancel()
        server.shutdown()
        // Runs get the shutdown timeout to finish; the rest are marked interrupted (SPEC §5).
        let interrupted = services.executions.drain(timeoutMs: Int(config.server.shutdownTimeoutMs))
        if interrupted > 0 { logger.warn("runs interrupted by shutdown", ["count": .int(interrupted)]) }
        services.storage.close()
        dataLock?.release()
        listenLock?.release()
        logger.info("stopped")
        logger.flush()
    }
}

/// Runs a closure now and then every `everySeconds` on its own serial queue until cancelled.
final class RepeatingTimer: @unchecked Sendable {   // DispatchSource's methods are thread-safe
    private let source: DispatchSourceTimer
    private let interval: Int

    init(label: String, everySeconds: Int, _ body: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: label))
        source.setEventHandler(handler: body)
        interval = everySeconds
        // Active from the start (libdispatch traps when an inactive source is released), armed by `start`.
        source.schedule(deadline: .distantFuture)
        source.activate()
    }

    func start() {
        source.schedule(deadline: .now(), repeating: .seconds(interval))
    }

    func cancel() { source.cancel() }
}
