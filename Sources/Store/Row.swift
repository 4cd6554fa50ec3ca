// Row: typed, 0-based column access to the row a Statement is positioned on.
// Valid only inside the step that produced it, on the thread that owns the Database.
import CSQLite

/// The current row of a statement. Copy values out; do not keep the `Row` past the next step.
///
/// Non-optional accessors treat NULL as a programmer error (the schema says NOT NULL), as GRDB does;
/// use the `optional…` accessors for nullable columns.
public struct Row {
    let handle: OpaquePointer

    /// Number of columns in the row.
    public var count: Int { Int(sqlite3_column_count(handle)) }

    /// True when column `index` holds NULL.
    public func isNull(_ index: Int) -> Bool {
        sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL
    }

    /// An INTEGER column.
    public func int(_ index: Int) -> Int64 {
        precondition(!isNull(index), "column \(index) is NULL; use optionalInt")
        return sqlite3_column_int64(handle, Int32(index))
    }

    /// An INTEGER column that may be NULL.
    public func optionalInt(_ index: Int) -> Int64? {
        isNull(index) ? nil : sqlite3_column_int64(handle, Int32(index))
    }

    /// An INTEGER 0/1 column read as a boolean.
    public func bool(_ index: Int) -> Bool { int(index) != 0 }

    /// A REAL column.
    public func double(_ index: Int) -> Double {
        precondition(!isNull(index), "column \(index) is NULL; use optionalDouble")
        return sqlite3_column_double(handle, Int32(index))
    }

    /// A REAL column that may be NULL.
    public func optionalDouble(_ index: Int) -> Double? {
        isNull(index) ? nil : sqlite3_column_double(handle, Int32(index))
    }

    /// A TEXT column, decoded as UTF-8.
    public func text(_ index: Int) -> String {
        precondition(!isNull(index), "column \(index) is NULL; use optionalText")
        return readText(Int32(index))
    }

    /// A TEXT column that may be NULL.
    public func optionalText(_ index: Int) -> String? {
        isNull(index) ? nil : readText(Int32(index))
    }

    /// A BLOB column (an empty blob reads as `[]`).
    public func blob(_ index: Int) -> [UInt8] {
        precondition(!isNull(index), "column \(index) is NULL; use optionalBlob")
        return readBlob(Int32(index))
    }

    /// A BLOB column that may be NULL.
    public func optionalBlob(_ index: Int) -> [UInt8]? {
        isNull(index) ? nil : readBlob(Int32(index))
    }

    /// Column `index` in its stored type.
    public func value(_ index: Int) -> SQLValue {
        let column = Int32(index)
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(handle, column))
        case SQLITE_TEXT: return .text(readText(column))
        case SQLITE_BLOB: return .blob(readBlob(column))
        default: return .null
        }
    }

    /// Calls `body` with the UTF-8 bytes of a TEXT column (nil for NULL) without making a String: for encoders that
    /// copy column text straight into a response. The bytes are valid only during `body`.
    public func withUTF8<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> T) rethrows -> T {
        if isNull(index) { return try body(nil) }
        guard let text = sqlite3_column_text(handle, Int32(index)) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        let length = Int(sqlite3_column_bytes(handle, Int32(index)))
        return try body(UnsafeBufferPointer(start: text, count: length))
    }

    private func readText(_ column: Int32) -> String {
        // Per sqlite.org/c3ref/column_blob.html: call column_text first, then column_bytes for its length.
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let length = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)
    }

    private func readBlob(_ column: Int32) -> [UInt8] {
        // A zero-length BLOB returns a NULL pointer.
        guard let bytes = sqlite3_column_blob(handle, column) else { return [] }
        let length = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: bytes, count: length))
    }
}
