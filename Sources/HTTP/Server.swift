// The HTTP server: starts one event loop thread per core, shares the router, limits and counters between them,
// and runs graceful shutdown. Public methods may be called from any thread.
import System
import CLinux
import Dispatch
import Log
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A running (or startable) HTTP/1.1 server.
public final class Server: @unchecked Sendable {   // `loops` and `threads` are written once in start(), before any loop runs

    public let config: ServerConfig
    public let router: Router
    public let logger: Logger
    let observer: (any ServerObserver)?
    private let errorMapper: @Sendable (any Error) -> Response?

    let openConnections = Atomic<Int>(0)
    /// Requests whose answer comes later (a `Responder` not yet used).
    let deferredRequests = Atomic<Int>(0)
    private let bufferedBodyBytes = Atomic<Int>(0)
    private var loops: [EventLoop] = []
    private var threads: [PosixThread] = []
    private let finished = ConditionLock()
    private var runningLoops = 0
    private let shuttingDown = Atomic<Bool>(false)

    /// The bound port (after `start`).
    public private(set) var port = 0

    public init(config: ServerConfig, router: Router, logger: Logger, observer: (any ServerObserver)? = nil,
                errorMapper: @escaping @Sendable (any Error) -> Response? = { _ in nil }) {
        self.config = config
        self.router = router
        self.logger = logger
        self.observer = observer
        self.errorMapper = errorMapper
    }

    /// Binds the listeners and starts the loop threads. Returns once the server accepts connections.
    public func start() throws {
        signal(SIGPIPE, SIG_IGN)
        let first = try Listener.open(host: config.host, port: config.port)
        port = first.port
        var fds = [first.fd]
        do {
            for _ in 1..<max(1, config.loopCount) {
                fds.append(try Listener.open(host: config.host, port: port).fd)
            }
            for (i, fd) in fds.enumerated() {
                loops.append(try EventLoop(index: i, server: self, listenFD: fd))
            }
        } catch {
            for fd in fds { close(fd) }
            throw error
        }
        runningLoops = loops.count
        for loop in loops {
            let t = PosixThread.start { [self] in
                loop.run()
                finished.withLock {
                    runningLoops -= 1
                    finished.broadcast()
                }
            }
            threads.append(t)
        }
    }

    /// Stops accepting, lets in-flight requests finish, closes idle connections. Returns at once; see `waitUntilStopped`.
    public func beginShutdown() {
        guard !shuttingDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for loop in loops { loop.post(.drain) }
    }

    /// Blocks until every loop has stopped, or `timeoutMs` passed (then connections are closed and it waits again).
    public func waitUntilStopped(timeoutMs: Int64? = nil) {
        let deadline = timeoutMs.map { MonotonicClock.milliseconds() + $0 }
        finished.lock()
        while runningLoops > 0 {
            if let deadline, MonotonicClock.milliseconds() >= deadline {
                finished.unlock()
                for loop in loops { loop.post(.forceClose) }
                finished.lock()
                while runningLoops > 0 { finished.wait() }
                break
            }
            finished.unlock()
            usleep(10_000)
            finished.lock()
        }
        finished.unlock()
        for t in threads { t.join() }
        threads.removeAll()
    }

    /// Graceful shutdown within the configured timeout.
    public func shutdown() {
        beginShutdown()
        waitUntilStopped(timeoutMs: config.shutdownTimeoutMs)
    }

    /// Number of open client connections, all loops together.
    public var connectionCount: Int { openConnections.load(ordering: .relaxed) }

    /// Requests still waiting for a deferred answer (work on a pool, a group commit), all loops together.
    public var deferredRequestCount: Int { deferredRequests.load(ordering: .relaxed) }

    // MARK: - Shared state used by the loops

    func reserveBodyBytes(_ n: Int) -> Bool {
        let now = bufferedBodyBytes.add(n, ordering: .relaxed).newValue
        if now > config.maxBufferedBodyBytes {
            _ = bufferedBodyBytes.subtract(n, ordering: .relaxed)
            return false
        }
        return true
    }

    func releaseBodyBytes(_ n: Int) {
        _ = bufferedBodyBytes.subtract(n, ordering: .relaxed)
    }

    func errorResponse(_ error: any Error) -> Response {
        if let r = errorMapper(error) { return r }
        logger.error("unhandled error", ["error": .string(String(describing: error))])
        return Response.error(.internalServerError, "Internal server error")
    }
}
