// Limits and timers of the HTTP server (SPEC §0, §14). Plain value, fixed before the server starts.

/// Server settings; times are in milliseconds.
public struct ServerConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 3000
    /// Event loops (threads); default one per core.
    public var loopCount = ServerConfig.defaultLoopCount
    public var maxConnections = 1024
    public var maxBodyBytes = 1_048_576
    public var maxLargeBodyBytes = 8_388_608
    public var maxWebhookBodyBytes = 10_485_760
    public var maxBufferedBodyBytes = 67_108_864
    public var parserLimits = ParserLimits()
    public var headerTimeoutMs: Int64 = 30_000
    public var keepAliveTimeoutMs: Int64 = 60_000
    public var bodyTimeoutMs: Int64 = 30_000
    /// A response that cannot be written (peer not reading) for this long closes the connection.
    public var sendTimeoutMs: Int64 = 60_000
    /// How long a closing connection drains the client's bytes so it sees the response (lingering close).
    public var lingerTimeoutMs: Int64 = 2_000
    /// Graceful shutdown: how long in-flight requests may take before connections are closed.
    public var shutdownTimeoutMs: Int64 = 30_000
    /// Streamed responses: producers wait while this many bytes are queued and unsent.
    public var streamHighWaterBytes = 256 * 1024
    /// Response bytes queued unsent across all connections (SPEC §0); past it the connection that drains slowest is
    /// closed. Each event loop keeps its share (this divided by the loop count).
    public var maxUnsentBytes = 256 << 20
    /// A connection with unsent output must drain at least `minDrainBytes` per `drainWindowMs`, else it is closed
    /// (a reader taking an 8 MiB answer at a few bytes a second holds nothing for long).
    public var minDrainBytes = 16 * 1024
    public var drainWindowMs: Int64 = 10_000

    public init() {}

    public static var defaultLoopCount: Int {
        let n = Int(sysconfGlibcNProcessors())
        return max(1, min(n, 64))
    }

    func limit(_ kind: BodyLimit) -> Int {
        switch kind {
        case .standard: maxBodyBytes
        case .large: max(maxLargeBodyBytes, maxBodyBytes)   // raising the standard limit never makes these smaller
        case .webhook: maxWebhookBodyBytes
        }
    }
}

#if canImport(Glibc)
import Glibc
func sysconfGlibcNProcessors() -> Int { sysconf(Int32(_SC_NPROCESSORS_ONLN)) }
#endif
