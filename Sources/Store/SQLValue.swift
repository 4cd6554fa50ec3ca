// SQLValue: a value bound to a `?` placeholder or read from a column; one case per SQLite storage class.
// A value type; safe to pass between threads.

/// One SQLite value. Literals work: `[.text(id), 42, nil, "private"]`.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])

    /// `.int`, or `.null` when nil.
    public init(_ value: Int64?) { self = value.map(SQLValue.int) ?? .null }
    /// `.int`, or `.null` when nil.
    public init(_ value: Int?) { self = value.map { .int(Int64($0)) } ?? .null }
    /// `.text`, or `.null` when nil.
    public init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    /// `.double`, or `.null` when nil.
    public init(_ value: Double?) { self = value.map(SQLValue.double) ?? .null }
    /// `.int(1)` or `.int(0)`: SQLite has no boolean type.
    public init(_ value: Bool) { self = .int(value ? 1 : 0) }
    /// `.blob`, or `.null` when nil.
    public init(_ value: [UInt8]?) { self = value.map(SQLValue.blob) ?? .null }
}

extension SQLValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension SQLValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension SQLValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension SQLValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
}

extension SQLValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .int(value ? 1 : 0) }
}
