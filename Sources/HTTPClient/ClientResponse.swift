// A complete response as `HTTPClient.send` returns it. A value type; any thread.

/// The final response of a call (after redirects). `headers` are as received; a gzip body is already decoded
/// (its `Content-Encoding` and `Content-Length` headers still describe the wire form).
public struct ClientResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The URL that produced this response, after redirects.
    public var url: String

    public init(status: Int, headers: [(String, String)], body: [UInt8], url: String) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
    }

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        ResponseHead.value(of: name, in: headers)
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
