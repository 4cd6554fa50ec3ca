// Database: one sqlite3 connection with its per-connection pragmas, statement cache, transactions and query helpers.
// Not thread-safe: one thread uses it at a time (the Writer's thread, or the one event-loop thread owning a reader).
import CSQLite

/// One SQLite connection, opened with `SQLITE_OPEN_NOMUTEX`: SQLite does no locking of its own, so the owner must
/// serialise every use (statements and rows included). Writes go through `Writer`, which owns the only write
/// connection; each event-loop thread opens its own reader with `openReader(path:)` (WAL lets readers run while the
/// writer commits).
public final class Database {
    /// The sqlite3 connection; owned here, closed in deinit. An escape hatch for C APIs Store does not wrap
    /// (authorizers, limits); the same threading rule applies.
    public let handle: OpaquePointer
    /// The path given to `open`.
    public let path: String
    /// True for connections opened with `SQLITE_OPEN_READONLY`.
    public let isReadOnly: Bool
    /// Prepared statements by SQL text. Queries are string literals, so the set is bounded by the code.
    private var cache: [String: Statement] = [:]

    /// Process-wide SQLite settings, applied once before the first connection opens (sqlite.org/c3ref/config.html:
    /// sqlite3_config must precede initialisation; later calls return SQLITE_MISUSE and change nothing).
    static let processSetup: Void = {
        _ = csqlite_disable_memstatus()
    }()

    /// `PRAGMA busy_timeout`: how long a connection waits for another connection's lock before `SQLITE_BUSY`.
    public static let busyTimeoutMilliseconds: Int32 = 5000

    private init(handle: OpaquePointer, path: String, readOnly: Bool) {
        self.handle = handle
        self.path = path
        self.isReadOnly = readOnly
    }

    deinit {
        // Finalize cached statements first; sqlite3_close_v2 then closes at once. (It always returns SQLITE_OK: with
        // statements still alive elsewhere it turns the connection into a zombie closed by their last finalize.)
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Opens (and for read-write, creates) the database at `path`, then sets `busy_timeout` and `foreign_keys=ON`,
    /// plus `synchronous=FULL` and `journal_mode=WAL` for read-write connections.
    public static func open(path: String, readOnly: Bool = false) throws(StoreError) -> Database {
        try open(path: path, readOnly: readOnly, wal: !readOnly)
    }

    /// Opens a read-only connection for one reader thread. The file must exist and already be in WAL mode (the
    /// writer sets it), so reads never wait for the writer and see only committed data.
    public static func openReader(path: String) throws(StoreError) -> Database {
        try open(path: path, readOnly: true, wal: false)
    }

    /// `wal: false` leaves the journal mode alone (readers cannot set it; `Backup` writes its copy in rollback mode).
    static func open(path: String, readOnly: Bool, wal: Bool) throws(StoreError) -> Database {
        _ = Database.processSetup
        var connection: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &connection, flags, nil)
        guard rc == SQLITE_OK, let connection else {
            let reason = StoreError(code: rc, connection: connection, sql: nil)
            // sqlite.org/c3ref/open.html: the handle must be released even when open fails.
            sqlite3_close_v2(connection)
            throw StoreError(code: rc, message: "\(reason.message): \(path)")
        }
        let db = Database(handle: connection, path: path, readOnly: readOnly)
        try db.configure(wal: wal)
        return db
    }

    private func configure(wal: Bool) throws(StoreError) {
        let rc = sqlite3_busy_timeout(handle, Database.busyTimeoutMilliseconds)
        guard rc == SQLITE_OK else { throw StoreError(code: rc, connection: handle, sql: nil) }
        // foreign_keys is a no-op inside a transaction and on builds without FK support; check that it took.
        try execute("PRAGMA foreign_keys = ON")
        guard try pragma("PRAGMA foreign_keys") == .int(1) else {
            throw StoreError(code: SQLITE_ERROR, message: "foreign_keys could not be enabled",
                             sql: "PRAGMA foreign_keys")
        }
        if !isReadOnly { try execute("PRAGMA synchronous = FULL") }
        if wal {
            let mode = try pragma("PRAGMA journal_mode = WAL")
            // In-memory databases report "memory"; anything else means WAL is unavailable for this file.
            guard mode == .text("wal") || mode == .text("memory") else {
                let got = mode.map { String(describing: $0) } ?? "no row"
                throw StoreError(code: SQLITE_ERROR, message: "journal_mode=WAL not applied (got \(got))",
                                 sql: "PRAGMA journal_mode = WAL")
            }
        }
    }

    /// The first column of the first row of a pragma statement.
    private func pragma(_ sql: String) throws(StoreError) -> SQLValue? {
        let statement = try prepare(sql)
        return try statement.step() ? statement.row.value(0) : nil
    }

    // MARK: - Statements

    /// Runs one or more `;`-separated statements with `sqlite3_exec` (migrations, pragmas, BEGIN/COMMIT). No arguments:
    /// anything that varies goes through `run` or `query` with `?` placeholders.
    public func execute(_ sql: String) throws(StoreError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        guard rc == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(message)
            throw StoreError(code: rc, message: text, sql: sql)
        }
    }

    /// Prepares a new, uncached statement.
    public func prepare(_ sql: String) throws(StoreError) -> Statement {
        try Statement(sql, connection: handle, persistent: false)
    }

    /// The cached statement for `sql`, prepared on first use; reset with bindings cleared on every reuse.
    /// While a `query` helper is iterating that statement, a fresh uncached one is returned instead.
    public func cached(_ sql: String) throws(StoreError) -> Statement {
        if let statement = cache[sql] {
            guard !statement.isIterating else { return try prepare(sql) }
            statement.reset()
            statement.clearBindings()
            return statement
        }
        let statement = try Statement(sql, connection: handle, persistent: true)
        cache[sql] = statement
        return statement
    }

    /// Number of statements in the cache.
    public var cachedStatementCount: Int { cache.count }

    // MARK: - Query helpers

    /// Runs a cached statement with `args` and maps every row. `Row` is valid only inside `row`.
    public func query<T>(_ sql: String, _ args: [SQLValue] = [], _ row: (Row) throws -> T) throws -> [T] {
        let statement = try cached(sql)
        try statement.bind(args)
        statement.isIterating = true
        defer { finish(statement) }
        var rows: [T] = []
        while try statement.step() {
            rows.append(try row(statement.row))
        }
        return rows
    }

    /// Runs a cached statement with `args` and maps its first row, or returns nil when there is none.
    public func queryOne<T>(_ sql: String, _ args: [SQLValue] = [], _ row: (Row) throws -> T) throws -> T? {
        let statement = try cached(sql)
        try statement.bind(args)
        statement.isIterating = true
        defer { finish(statement) }
        return try statement.step() ? row(statement.row) : nil
    }

    /// Runs a cached INSERT/UPDATE/DELETE with `args` to completion; returns the number of rows it changed.
    @discardableResult
    public func run(_ sql: String, _ args: [SQLValue] = []) throws(StoreError) -> Int {
        let statement = try cached(sql)
        try statement.bind(args)
        defer { finish(statement) }
        while try statement.step() {}
        return changes
    }

    /// Resets at once so no statement stays active (an active statement would hold its read snapshot and make a
    /// later ROLLBACK TO abort it), and drops bound copies (a workflow's nodes JSON can be megabytes).
    private func finish(_ statement: Statement) {
        statement.isIterating = false
        statement.reset()
        statement.clearBindings()
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE on this connection.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// True outside an explicit transaction. SQLite turns it back on when it rolls a transaction back by itself
    /// (for example after `SQLITE_FULL` or `SQLITE_IOERR`).
    public var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    // MARK: - Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws. Read-write connections
    /// use `BEGIN IMMEDIATE` (take the write lock up front, so no deadlock-prone lock upgrade), readers `BEGIN`.
    /// Inside an open transaction (e.g. a `Writer` unit) it becomes a savepoint, so it nests.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        guard isAutocommit else { return try savepoint("nested_transaction", body) }
        try execute(isReadOnly ? "BEGIN" : "BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            // A failed COMMIT leaves the transaction open. If ROLLBACK fails too, the first error is the one to report.
            if !isAutocommit { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` inside `SAVEPOINT name`: released when it returns, rolled back to and released when it throws,
    /// leaving any enclosing transaction intact. `name` must be a plain identifier (it cannot be a `?` parameter).
    @discardableResult
    public func savepoint<T>(_ name: String, _ body: () throws -> T) throws -> T {
        precondition(Database.isIdentifier(name), "savepoint name must be [A-Za-z_][A-Za-z0-9_]*: \(name)")
        try execute("SAVEPOINT \(name)")
        do {
            let value = try body()
            try execute("RELEASE \(name)")
            return value
        } catch {
            // If SQLite already rolled back the whole transaction, the savepoint is gone and there is nothing to undo.
            // A failing ROLLBACK TO/RELEASE is secondary to the error being thrown.
            if !isAutocommit {
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
            }
            throw error
        }
    }

    static func isIdentifier(_ name: String) -> Bool {
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        guard let first = name.unicodeScalars.first, isWordStart(first) else { return false }
        return name.unicodeScalars.allSatisfy { isWordStart($0) || ("0"..."9").contains($0) }
    }
}
