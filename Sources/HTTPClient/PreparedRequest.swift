// One hop of a call: the method, parsed URL, headers and body actually sent, its wire head, and the next hop a redirect
// asks for (fetch semantics). Pure values; any thread.
import HTTPCore

/// What is sent to one URL; redirects derive the next one with `redirected(status:location:)`.
struct PreparedRequest: Sendable {
    /// Request headers the client writes itself; values given by the caller are dropped.
    static let ownedHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]
    /// Dropped when a redirect turns the request into a body-less GET (fetch's "request-body-header name").
    static let bodyHeaders: Set<String> = ["content-type", "content-length", "content-encoding", "content-language", "content-location"]
    /// Dropped when a redirect leaves the origin.
    static let credentialHeaders: Set<String> = ["authorization", "cookie", "proxy-authorization"]

    var method: String
    var url: ClientURL
    var headers: [(String, String)]
    var body: [UInt8]?

    init(method: String, url: ClientURL, headers: [(String, String)], body: [UInt8]?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// Validates `request` and parses its URL.
    init(_ request: ClientRequest) throws(ClientError) {
        guard !request.method.isEmpty, request.method.utf8.allSatisfy(HTTPChar.isTChar) else {
            throw .invalidRequest("method \"\(request.method)\" is not a token")
        }
        guard let url = ClientURL(request.url) else { throw .invalidURL(request.url) }
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPChar.isTChar) else {
                throw .invalidRequest("header name \"\(name)\" is not a token")
            }
            guard value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw .invalidRequest("header \(name) has a control character in its value")
            }
        }
        self.init(method: request.method, url: url,
                  headers: request.headers.filter { !PreparedRequest.ownedHeaders.contains($0.0.lowercased()) },
                  body: request.body)
    }

    /// The request line and header section, ending with the empty line.
    func head(userAgent: String) -> [UInt8] {
        var text = "\(method) \(url.target) HTTP/1.1\r\nHost: \(url.authority)\r\n"
        if !has("user-agent") { text += "User-Agent: \(userAgent)\r\n" }
        if !has("accept-encoding") { text += "Accept-Encoding: gzip\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body {
            text += "Content-Length: \(body.count)\r\n"
        } else if method == "POST" || method == "PUT" || method == "PATCH" {
            text += "Content-Length: 0\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// GET, HEAD, OPTIONS, TRACE, PUT and DELETE (RFC 9110 §9.2.2): safe to send again after a stale connection failed.
    var isIdempotent: Bool {
        ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"].contains(method)
    }

    func has(_ lowercasedName: String) -> Bool {
        headers.contains { $0.0.lowercased() == lowercasedName }
    }

    /// 301, 302, 303, 307 and 308.
    static func isRedirect(_ status: Int) -> Bool {
        status == 301 || status == 302 || status == 303 || status == 307 || status == 308
    }

    /// The request a redirect with `status` to `location` leads to (SPEC §3.2): 301/302/303 turn anything but
    /// GET/HEAD into a body-less GET (the spec's rule, broader than Fetch, which rewrites only POST on 301/302);
    /// 307/308 keep method and body.
    /// Credentials are dropped when the origin changes.
    func redirected(status: Int, location: String) throws(ClientError) -> PreparedRequest {
        guard let target = url.resolve(location) else { throw .invalidURL(location) }
        var next = self
        next.url = target
        if status <= 303 && method != "GET" && method != "HEAD" {
            next.method = "GET"
            next.body = nil
            next.headers.removeAll { PreparedRequest.bodyHeaders.contains($0.0.lowercased()) }
        }
        if target.origin != url.origin {
            next.headers.removeAll { PreparedRequest.credentialHeaders.contains($0.0.lowercased()) }
        }
        return next
    }
}
