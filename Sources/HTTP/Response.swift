// Responses as handlers build them: status, headers and a body that is bytes, a stream, or produced later on another thread.
// Values; built on any thread and handed to the connection's event loop.
import HTTPCore
import JSON

/// What a handler answers.
public struct Response: Sendable {
    public var status: Status
    /// Extra header fields. `Date`, `Content-Length`, `Connection` and `X-Request-Id` are added by the server.
    public var headers: [(name: String, value: String)]
    public var body: Body

    public init(status: Status = .ok, headers: [(name: String, value: String)] = [], body: Body = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A body and how it is produced.
    public enum Body: Sendable {
        case empty
        case bytes([UInt8])
        /// Chunked, produced by `producer` on its own dispatch queue (it may block in `write`); see `StreamWriter`.
        case stream(@Sendable (StreamWriter) -> Void)
        /// The real response comes later, from any thread, through the `Responder`.
        case deferred(@Sendable (Responder) -> Void)
    }

    public static let jsonContentType = "application/json; charset=utf-8"

    /// A JSON response from already-serialised bytes.
    public static func json(_ bytes: [UInt8], status: Status = .ok) -> Response {
        Response(status: status, headers: [("Content-Type", jsonContentType)], body: .bytes(bytes))
    }

    /// `{"error":"<message>"}` with `status`.
    public static func error(_ status: Status, _ message: String, headers: [(name: String, value: String)] = []) -> Response {
        var body = [UInt8]()
        body.reserveCapacity(message.utf8.count + 12)
        body.append(contentsOf: "{\"error\":".utf8)
        JSONWriter.appendString(message, to: &body)
        body.append(UInt8(ascii: "}"))
        var h = headers
        h.append(("Content-Type", jsonContentType))
        return Response(status: status, headers: h, body: .bytes(body))
    }

    /// The first header value named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        for h in headers where h.name.lowercased() == lower { return h.value }
        return nil
    }
}
