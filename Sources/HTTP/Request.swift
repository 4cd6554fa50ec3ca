// A parsed request: head fields, decoded body, and what routing and the connection attached. Value type; any thread.
import HTTPCore

/// HTTP/1.0 or HTTP/1.1 (higher 1.x minors are handled as 1.1).
public enum Version: Sendable {
    case http10, http11
}

/// One request as handlers see it.
public struct Request: Sendable {
    public let method: Method
    public let version: Version
    /// The path of the request target, undecoded (`/api/workflows/wf_1`).
    public let path: String
    /// The raw query string after `?`, or nil.
    public let query: Substring?
    public let headers: Headers
    public internal(set) var body: [UInt8]
    /// Values of the route's `{param}` segments, in pattern order.
    public internal(set) var parameters: [(name: String, value: String)] = []
    /// The route pattern that matched (`GET /api/workflows/{workflowId}`), for logs and metrics.
    public internal(set) var routePattern: String = "unmatched"
    public internal(set) var requestID: String = ""
    /// The socket peer's IP address, as text.
    public internal(set) var remoteAddress: String = ""
    /// The event loop running this request (0..<loopCount): lets handlers use per-loop resources without locks.
    public internal(set) var loopIndex: Int = 0
    /// Header fields a handler wants on whatever response this request finally gets (sync or deferred),
    /// e.g. a renewed session cookie set by authentication middleware.
    public var responseHeaders: [(name: String, value: String)] = []
    /// Whether the client allows the connection to stay open after this request.
    public let keepAlive: Bool
    /// The body's share of the server's buffered-body budget, handed back when the last copy of this request is gone
    /// (a job queued with the request keeps the budget charged for as long as it holds the body).
    var bodyLease: BodyLease?

    public init(method: Method, path: String, query: Substring? = nil, version: Version = .http11,
                headers: Headers = Headers([]), body: [UInt8] = [], keepAlive: Bool = true) {
        self.method = method
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
    }

    /// The value of the path parameter `name`.
    public func parameter(_ name: String) -> String? {
        for p in parameters where p.name == name { return p.value }
        return nil
    }

    /// Decoded query parameters (`+` and percent escapes decoded), first value per key.
    public func queryParameter(_ name: String) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if Request.percentDecode(kv[0]) == name {
                return kv.count > 1 ? Request.percentDecode(kv[1]) : ""
            }
        }
        return nil
    }

    static func percentDecode(_ s: Substring) -> String {
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") {
                out.append(0x20)
            } else if b == UInt8(ascii: "%"), it.count >= 2, let h = HTTPChar.hexValue(it[it.startIndex]), let l = HTTPChar.hexValue(it[it.startIndex + 1]) {
                out.append(h << 4 | l)
                it = it.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A charge against the server's body budget, released when the last request copy holding it goes away.
final class BodyLease: Sendable {
    let server: Server
    let bytes: Int

    init(server: Server, bytes: Int) {
        self.server = server
        self.bytes = bytes
    }

    deinit { server.releaseBodyBytes(bytes) }
}
