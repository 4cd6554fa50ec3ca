// An HTTP.Server in the test process on 127.0.0.1:0 with test-only routes (echo, deferred, streams), for behaviour
// the binary's routes cannot show yet. Started and stopped by one test; the server's loops run on their own threads.
import Dispatch
import HTTP
import Log
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A running in-process server; shut down in deinit if the test did not.
final class InProcessServer {
    let server: Server
    private var stopped = false

    var port: Int { server.port }

    /// Starts a server with short test-friendly defaults; `configure` may change any setting (port and host are fixed).
    init(configure: (inout ServerConfig) -> Void = { _ in }, routes: (Router) -> Void) throws {
        var c = ServerConfig()
        c.shutdownTimeoutMs = 2_000
        c.lingerTimeoutMs = 500
        configure(&c)
        c.host = "127.0.0.1"
        c.port = 0
        let router = Router()
        routes(router)
        server = Server(config: c, router: router, logger: Logger(level: .error))
        try server.start()
    }

    deinit { stop() }

    /// Graceful shutdown; returns once every loop has stopped.
    func stop() {
        guard !stopped else { return }
        stopped = true
        server.shutdown()
    }

    /// Starts a graceful shutdown on another thread; the signal fires once it has finished.
    func stopInBackground() -> Signal {
        stopped = true
        let done = Signal()
        let s = server
        // Not the global pool: test threads block on it, and the server's own work needs its threads.
        DispatchQueue(label: "test.shutdown").async {
            s.shutdown()
            done.fire()
        }
        return done
    }
}

/// A counter shared between a handler (work pool) and the test thread.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func add(_ n: Int) { value.add(n, ordering: .relaxed) }
    func set(_ n: Int) { value.store(n, ordering: .relaxed) }
    var current: Int { value.load(ordering: .relaxed) }
}

/// A one-shot flag with a wait, for "did the server call us back" checks.
final class Signal: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let fired = Atomic<Bool>(false)

    func fire() {
        if !fired.exchange(true, ordering: .acquiringAndReleasing) { semaphore.signal() }
    }

    var hasFired: Bool { fired.load(ordering: .acquiring) }

    /// Waits up to `timeout` seconds; true if fired.
    func wait(timeout: Double) -> Bool {
        if hasFired { return true }
        return semaphore.wait(timeout: .now() + timeout) == .success
    }
}

/// Test-only routes.
enum TestRoutes {
    /// POST /echo: answers 200 with the request body as sent.
    static func echo(_ router: Router) {
        router.post("/echo") { req in
            Response(status: .ok, headers: [("Content-Type", "application/octet-stream")], body: .bytes(req.body))
        }
    }

    /// The deterministic byte at `offset` of a test body.
    @inline(__always)
    static func patternByte(_ offset: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: offset &* 31 &+ offset >> 13)
    }

    static func pattern(from offset: Int, count: Int) -> [UInt8] {
        (offset..<(offset + count)).map(patternByte)
    }

    /// Chunk `index` of a streamed test body: the index as 8 big-endian bytes, then fixed filler. Built with copies
    /// only, so a debug build can produce and check many megabytes quickly.
    static func streamChunk(_ index: Int) -> [UInt8] {
        var c = streamFiller
        withUnsafeBytes(of: UInt64(index).bigEndian) { b in
            for k in 0..<8 { c[k] = b[k] }
        }
        return c
    }

    static let streamChunkSize = 16 * 1024
    static let streamFiller = pattern(from: 0, count: streamChunkSize)

    /// The index of the first chunk of `body` that is not `streamChunk(k)` (or nil when all are, in order).
    static func firstWrongChunk(_ body: [UInt8]) -> Int? {
        let size = streamChunkSize
        return body.withUnsafeBytes { b -> Int? in
            streamFiller.withUnsafeBytes { f -> Int? in
                let n = b.count / size
                for k in 0..<n {
                    let base = b.baseAddress! + k * size
                    var index: UInt64 = 0
                    memcpy(&index, base, 8)
                    if UInt64(bigEndian: index) != UInt64(k) || memcmp(base + 8, f.baseAddress! + 8, size - 8) != 0 { return k }
                }
                return b.count == n * size ? nil : n
            }
        }
    }
}
