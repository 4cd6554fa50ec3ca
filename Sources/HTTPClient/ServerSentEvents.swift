// An incremental parser for `text/event-stream` bodies (HTML Living Standard §9.2.6): bytes in, event data out.
// A value type owned by whoever feeds it.

/// Collects the `data:` payloads of server-sent events. Lines may end in CRLF, LF or CR, also when the ending is split
/// across pieces; several `data:` lines of one event are joined with "\n"; comments (":") and other fields are ignored;
/// an event is dispatched at its blank line, and one without data is skipped.
public struct ServerSentEvents: Sendable {
    /// A line longer than this is cut (the excess is dropped) so a peer cannot grow memory without bound.
    public static let maxLineBytes = 1 << 20

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var lastWasCR = false
    private var atStart = true

    public init() {}

    /// Feeds the next piece of the body; returns the data of every event completed by it, in order.
    public mutating func feed(_ bytes: [UInt8]) -> [String] {
        var events: [String] = []
        for b in bytes {
            if lastWasCR {
                lastWasCR = false
                if b == 0x0A { continue }   // the LF of a CRLF
            }
            switch b {
            case 0x0D:
                lastWasCR = true
                if let event = endLine() { events.append(event) }
            case 0x0A:
                if let event = endLine() { events.append(event) }
            default:
                if line.count < ServerSentEvents.maxLineBytes { line.append(b) }
            }
        }
        return events
    }

    /// Handles one complete line; returns an event's data when the line was blank and data was collected.
    private mutating func endLine() -> String? {
        defer { line.removeAll(keepingCapacity: true) }
        var field = line[...]
        if atStart {
            atStart = false
            if field.starts(with: [0xEF, 0xBB, 0xBF]) { field = field.dropFirst(3) }   // a UTF-8 BOM opens the stream
        }
        if field.isEmpty {
            guard hasData else { return nil }
            let event = String(decoding: data, as: UTF8.self)
            data.removeAll(keepingCapacity: true)
            hasData = false
            return event
        }
        if field.first == 0x3A { return nil }   // comment
        var name = field
        var value: ArraySlice<UInt8> = []
        if let colon = field.firstIndex(of: 0x3A) {
            name = field[..<colon]
            value = field[(colon + 1)...]
            if value.first == 0x20 { value = value.dropFirst() }
        }
        if name.elementsEqual("data".utf8) {
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        }
        return nil
    }
}
