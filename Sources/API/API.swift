// What route handlers share: the services, metrics, logger and the few settings the HTTP surface needs. Built once by
// the App before the server starts; immutable; used on event-loop threads and the work pool.
import HTTP
import HTTPCore
import System
import Log
import Services

/// The HTTP surface's view of one server process. Handlers are its methods (one file per area).
public final class API: Sendable {
    /// Settings read from the configuration that only the HTTP surface uses.
    public struct Settings: Sendable {
        /// `ORCHESTRATOR_METRICS_TOKEN`: when set, `/metrics` needs `Authorization: Bearer <token>`.
        public var metricsToken: String?
        /// `ORCHESTRATOR_TRUST_PROXY`: rate limits key on the last `X-Forwarded-For` hop.
        public var trustProxy = false
        /// The session cookie gets `Secure` (the public URL is https).
        public var secureCookies = false

        public init() {}
    }

    let services: Services
    let metrics: Metrics
    let logger: Logger
    let settings: Settings
    /// Where blocking request work runs (connection tests: up to 10 s each on a socket).
    let work: WorkPool
    /// Where large graphs are parsed and rendered: few threads, since each holds several copies of a graph.
    let largeWork: WorkPool

    public init(services: Services, metrics: Metrics, logger: Logger, settings: Settings, work: WorkPool, largeWork: WorkPool) {
        self.services = services
        self.metrics = metrics
        self.logger = logger
        self.settings = settings
        self.work = work
        self.largeWork = largeWork
    }

    /// Wall-clock milliseconds.
    func now() -> Int64 { services.clock() }

    /// The server's error mapping: `AppError` by its status and message, anything else 500 (logged).
    public var errorMapper: @Sendable (any Error) -> Response? {
        let logger = self.logger
        return { error in ErrorResponse.response(for: error, logger: logger) }
    }
}
