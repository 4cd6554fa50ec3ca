// StoreError: the one error type thrown by Store (SQLite failures and Store's own refusals).
// A value type; safe to pass between threads.
import CSQLite

/// A failed SQLite call: its extended result code, SQLite's message and the SQL that was running (if any).
///
/// Services translate it at their boundary, e.g. `isUniqueViolation` → `.conflict("User already exists")`.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`, …); connections enable extended codes.
    public let code: Int32
    /// `sqlite3_errmsg` at the time of failure, or Store's own message (`"File exists: <file>"`).
    public let message: String
    /// The statement that failed, when there was one.
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// Captures the connection's current error message for `code`.
    init(code: Int32, connection: OpaquePointer?, sql: String?) {
        let text = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        self.init(code: code, message: text ?? String(cString: sqlite3_errstr(code)), sql: sql)
    }

    /// The message alone when no SQL was involved (so `"File exists: <file>"` prints exactly), else message, code
    /// and SQL.
    public var description: String {
        guard let sql else { return message }
        return "\(message) (code \(code)) in: \(sql)"
    }

    /// The primary result code (`SQLITE_CONSTRAINT` for every constraint failure).
    public var primaryCode: Int32 { code & 0xff }

    /// A UNIQUE index or PRIMARY KEY rejected a duplicate.
    public var isUniqueViolation: Bool {
        code == CSQLITE_CONSTRAINT_UNIQUE || code == CSQLITE_CONSTRAINT_PRIMARYKEY
    }

    /// A FOREIGN KEY constraint failed (missing parent row).
    public var isForeignKeyViolation: Bool { code == CSQLITE_CONSTRAINT_FOREIGNKEY }

    /// A CHECK constraint failed (e.g. `visibility` outside `'private'`, `'public'`).
    public var isCheckViolation: Bool { code == CSQLITE_CONSTRAINT_CHECK }

    /// Any constraint failure, including NOT NULL and STRICT column types.
    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }

    /// Returned to units submitted after `Writer.close()`.
    public static let writerClosed = StoreError(code: SQLITE_MISUSE, message: "Writer is closed")
}
