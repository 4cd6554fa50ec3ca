// The description of one outbound request: method, URL, headers, body and limits. A value type; any thread.

/// One outbound HTTP request. Header order is kept; `Host`, `Content-Length`, `Transfer-Encoding` and `Connection`
/// given here are ignored (the client writes its own). `User-Agent` and `Accept-Encoding` given here replace the defaults.
public struct ClientRequest: Sendable {
    public static let defaultMaxResponseBytes = 16 << 20

    public var method: String
    public var url: String
    public var headers: [(String, String)]
    /// Sent with `Content-Length`. nil sends no body (POST, PUT and PATCH then send `Content-Length: 0`).
    public var body: [UInt8]?
    /// One deadline for the whole call: DNS, connect, TLS handshake, every redirect, writing and reading the response.
    /// Values ≤ 0 time out at once.
    public var timeoutMs: Int
    /// Cap on the (decoded) response body; past it the call fails with `ClientError.tooLarge`.
    public var maxResponseBytes: Int
    public var followRedirects: Bool

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                timeoutMs: Int = 30_000, maxResponseBytes: Int = ClientRequest.defaultMaxResponseBytes,
                followRedirects: Bool = true) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMs = timeoutMs
        self.maxResponseBytes = maxResponseBytes
        self.followRedirects = followRedirects
    }

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}
