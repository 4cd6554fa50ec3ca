// The process logger: one line per event on stderr, `key=value` text or JSON. Thread-safe: lines are queued to one
// writer thread (LogSink), so no caller ever blocks on stderr.
// Hot paths (the access log of an event loop) batch lines in a LogBuffer and flush once per loop iteration.
import JSON
#if canImport(Glibc)
import Glibc
#endif

/// Severity, ordered.
public enum LogLevel: Int, Sendable, Comparable {
    case debug = 0, info, warn, error

    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warn
        case "error": self = .error
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warn: "warn"
        case .error: "error"
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

public enum LogFormat: String, Sendable {
    case text, json
}

/// A value in a log line.
public enum LogValue: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringInterpolation {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
}

/// Writes log lines. Immutable after init, so it is shared freely across threads.
public final class Logger: Sendable {
    public let level: LogLevel
    public let format: LogFormat
    private let sink: LogSink

    public init(level: LogLevel = .info, format: LogFormat = .text, fd: Int32 = 2) {
        self.level = level
        self.format = format
        self.sink = LogSink(fd: fd)
    }

    /// Blocks until queued lines are written (at most ~2 s): call before the process exits.
    public func flush() { sink.flush() }

    @inline(__always)
    public func enabled(_ l: LogLevel) -> Bool { l >= level }

    public func debug(_ msg: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.debug, msg, fields) }
    public func info(_ msg: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.info, msg, fields) }
    public func warn(_ msg: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.warn, msg, fields) }
    public func error(_ msg: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.error, msg, fields) }

    public func log(_ l: LogLevel, _ msg: String, _ fields: KeyValuePairs<String, LogValue>) {
        guard l >= level else { return }
        var line = [UInt8]()
        line.reserveCapacity(160)
        render(into: &line, l, msg, fields)
        write(line)
    }

    /// Appends one rendered line (with its newline) to `buffer`, for callers that batch their writes.
    public func render(into line: inout [UInt8], _ l: LogLevel, _ msg: String, _ fields: KeyValuePairs<String, LogValue>) {
        let ts = ISO8601.format(milliseconds: ISO8601.nowMilliseconds())
        switch format {
        case .text:
            line.append(contentsOf: "ts=".utf8); line.append(contentsOf: ts.utf8)
            line.append(contentsOf: " level=".utf8); line.append(contentsOf: l.name.utf8)
            line.append(contentsOf: " msg=".utf8); Logger.appendText(msg, to: &line)
            for (k, v) in fields {
                line.append(0x20); line.append(contentsOf: k.utf8); line.append(UInt8(ascii: "="))
                switch v {
                case .string(let s): Logger.appendText(s, to: &line)
                case .int(let i): line.append(contentsOf: String(i).utf8)
                case .double(let d): line.append(contentsOf: String(d).utf8)
                case .bool(let b): line.append(contentsOf: (b ? "true" : "false").utf8)
                }
            }
        case .json:
            line.append(contentsOf: "{\"ts\":\"".utf8); line.append(contentsOf: ts.utf8)
            line.append(contentsOf: "\",\"level\":\"".utf8); line.append(contentsOf: l.name.utf8)
            line.append(contentsOf: "\",\"msg\":".utf8); Logger.appendJSONString(msg, to: &line)
            for (k, v) in fields {
                line.append(UInt8(ascii: ",")); Logger.appendJSONString(k, to: &line); line.append(UInt8(ascii: ":"))
                switch v {
                case .string(let s): Logger.appendJSONString(s, to: &line)
                case .int(let i): line.append(contentsOf: String(i).utf8)
                case .double(let d): line.append(contentsOf: (d.isFinite ? String(d) : "null").utf8)
                case .bool(let b): line.append(contentsOf: (b ? "true" : "false").utf8)
                }
            }
            line.append(UInt8(ascii: "}"))
        }
        line.append(0x0A)
    }

    /// Queues already rendered lines for the writer thread; never blocks on I/O (see LogSink).
    public func write(_ bytes: [UInt8]) {
        sink.enqueue(bytes)
    }

    /// Text values are bare when they are simple, else double-quoted with `"` and `\` escaped and control bytes as \n, \t, \xNN.
    static func appendText(_ s: String, to out: inout [UInt8]) {
        var simple = !s.isEmpty
        for b in s.utf8 where b <= 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "=") || b == UInt8(ascii: "\\") || b == 0x7F {
            simple = false
            break
        }
        if simple { out.append(contentsOf: s.utf8); return }
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20, 0x7F: out.append(contentsOf: "\\x".utf8); Logger.appendHexByte(b, to: &out)
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        JSONWriter.appendString(s, to: &out)
    }

    private static func appendHexByte(_ b: UInt8, to out: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0x0F)])
    }
}
