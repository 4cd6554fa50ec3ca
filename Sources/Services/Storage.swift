// The database as the application uses it: migrate at start, one group-commit Writer, and one read-only connection
// per event loop (used only on that loop's thread) plus a small locked pool for other threads.
import Domain
import Log
import Store
import System
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Opened stores for one process.
public final class Storage: @unchecked Sendable {   // loopReaders[i] is used only on event loop i; `pool` is locked
    public let path: String
    public let writer: Writer
    private let loopReaders: [Database]
    /// Per loop: when `SELECT 1` last ran and its answer. Slot i is touched only by loop i's thread.
    private let healthCache: UnsafeMutablePointer<(at: Int64, ok: Bool)>
    private let pool = Mutex<[PooledReader]>([])

    /// Creates the data directory if needed, applies pending migrations, then opens the writer and `loops` readers.
    public init(path: String, loops: Int, logger: Logger?, makeDirectory dir: String? = nil) throws {
        self.path = path
        if let dir { try Storage.makeDirectory(dir) }
        let db = try Database.open(path: path)
        let applied = try Migrator.migrate(db)
        for name in applied { logger?.info("migration applied", ["name": .string(name)]) }
        writer = try Writer(path: path)
        loopReaders = try (0..<max(loops, 1)).map { _ in try Database.openReader(path: path) }
        healthCache = .allocate(capacity: max(loops, 1))
        healthCache.initialize(repeating: (Int64.min / 2, false), count: max(loops, 1))
    }

    /// The reader owned by event loop `loop`. Call only on that loop's thread.
    public func reader(loop: Int) -> Database { loopReaders[loop] }

    /// Runs `body` with a pooled reader, on any thread that is not an event loop.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        let reader = try pool.withLock { $0.popLast() } ?? PooledReader(db: Database.openReader(path: path))
        defer { pool.withLock { $0.append(reader) } }
        return try body(reader.db)
    }

    /// `SELECT 1` on the loop's reader: false when the database cannot answer. The answer is reused for
    /// `healthCacheMs` per loop, so a monitor hammering /health costs one query per loop per interval, while a failure
    /// still shows within that interval.
    public func isHealthy(loop: Int) -> Bool {
        let now = MonotonicClock.milliseconds()
        let cached = healthCache[loop]
        if now - cached.at < Storage.healthCacheMs { return cached.ok }
        let ok = (try? loopReaders[loop].queryOne("SELECT 1", []) { $0.int(0) }) == 1
        healthCache[loop] = (now, ok)
        return ok
    }

    static let healthCacheMs: Int64 = 100


    public func close() {
        writer.close()
    }

    /// Creates `dir` and its parents (mode 0700 for new ones).
    public static func makeDirectory(_ dir: String) throws {
        var path = ""
        for part in dir.split(separator: "/", omittingEmptySubsequences: false) {
            path += (path.isEmpty && part.isEmpty) ? "/" : (path.isEmpty || path == "/" ? "" : "/") + part
            if part.isEmpty { continue }
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                throw AppError.internalError("Cannot create directory \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// A reader connection parked in the pool; it is used by one thread at a time (taken out under the lock).
struct PooledReader: @unchecked Sendable {
    let db: Database
}
