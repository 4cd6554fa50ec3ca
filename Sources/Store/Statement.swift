// Statement: one prepared sqlite3_stmt, its bindings and stepping; finalized in deinit.
// Not thread-safe: used only by the thread that currently owns its Database.
import CSQLite

/// A prepared statement. Create one with `Database.prepare` or `Database.cached`.
///
/// Bind with `bind(_:)`, then call `step()` until it returns false, reading `row` while it returns true.
public final class Statement {
    /// The sqlite3_stmt; owned here, finalized in deinit.
    let handle: OpaquePointer
    /// The connection, for error messages only. Holding the raw pointer (not the Database) avoids a cycle with the
    /// statement cache; sqlite3_close_v2 keeps the connection alive until its last statement is finalized.
    private let connection: OpaquePointer
    /// The SQL text this statement was prepared from.
    public let sql: String
    /// Set while a `Database.query` helper walks its rows, so a nested use of the same SQL prepares a fresh statement.
    var isIterating = false

    /// `SQLITE_TRANSIENT` is `((sqlite3_destructor_type)-1)`, a cast macro that does not import into Swift. It tells
    /// sqlite3_bind_* to copy the bytes before returning, so the Swift buffers we bind from may be temporary.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Prepares exactly one statement; trailing text other than whitespace and `;` is an error (use `Database.execute`
    /// for scripts). `persistent` hints SQLite that the statement will be reused (the cache sets it).
    init(_ sql: String, connection: OpaquePointer, persistent: Bool) throws(StoreError) {
        var stmt: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let (rc, rest) = sql.withCString { text -> (Int32, Substring) in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(connection, text, -1, flags, &stmt, &tail)
            let rest = tail.map { String(cString: $0) } ?? ""
            return (rc, rest.drop { $0.isWhitespace || $0 == ";" })
        }
        guard rc == SQLITE_OK else { throw StoreError(code: rc, connection: connection, sql: sql) }
        guard let stmt else { throw StoreError(code: SQLITE_MISUSE, message: "no SQL statement to prepare", sql: sql) }
        guard rest.isEmpty else {
            sqlite3_finalize(stmt)
            throw StoreError(code: SQLITE_MISUSE, message: "prepare takes one statement; use execute for scripts",
                             sql: sql)
        }
        self.handle = stmt
        self.connection = connection
        self.sql = sql
    }

    // sqlite3_finalize returns the code of the last failed step, which step() already threw.
    deinit { sqlite3_finalize(handle) }

    /// Binds `values` to the `?` placeholders in order. The count must match the statement's placeholders.
    public func bind(_ values: [SQLValue]) throws(StoreError) {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw StoreError(code: SQLITE_RANGE, message: "expected \(expected) arguments, got \(values.count)",
                             sql: sql)
        }
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds one value to the 1-based placeholder `index`.
    public func bind(_ value: SQLValue, at index: Int32) throws(StoreError) {
        let rc: Int32
        switch value {
        case .null:
            rc = sqlite3_bind_null(handle, index)
        case .int(let number):
            rc = sqlite3_bind_int64(handle, index, number)
        case .double(let number):
            rc = sqlite3_bind_double(handle, index, number)
        case .text(var text):
            rc = text.withUTF8 { bytes in
                // An empty buffer may have a nil base address, which SQLite would bind as NULL, not "".
                guard let base = bytes.baseAddress, !bytes.isEmpty else {
                    return sqlite3_bind_text(handle, index, "", 0, Statement.transient)
                }
                let chars = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                return sqlite3_bind_text64(handle, index, chars, UInt64(bytes.count), Statement.transient,
                                           UInt8(SQLITE_UTF8))
            }
        case .blob(let bytes):
            rc = bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress, !raw.isEmpty else { return sqlite3_bind_zeroblob(handle, index, 0) }
                return sqlite3_bind_blob64(handle, index, base, UInt64(raw.count), Statement.transient)
            }
        }
        guard rc == SQLITE_OK else { throw StoreError(code: rc, connection: connection, sql: sql) }
    }

    /// Runs `sqlite3_step`: true while a row is available in `row`, false once the statement is done.
    public func step() throws(StoreError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw StoreError(code: rc, connection: connection, sql: sql)
        }
    }

    /// Rewinds the statement so it can run again; bindings are kept.
    public func reset() {
        // sqlite3_reset returns the code of the last failed step, which step() already threw.
        _ = sqlite3_reset(handle)
    }

    /// Sets every placeholder back to NULL.
    public func clearBindings() {
        // Documented to always return SQLITE_OK.
        _ = sqlite3_clear_bindings(handle)
    }

    /// The current row; valid only until the next `step()`, `reset()` or deinit.
    public var row: Row { Row(handle: handle) }

    /// Number of result columns (0 for statements that return no rows).
    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// The name of result column `index` (0-based).
    public func columnName(_ index: Int) -> String {
        sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? ""
    }
}
