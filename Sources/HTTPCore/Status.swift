// HTTP status codes with their reason phrases and pre-rendered status lines. Immutable; any thread.

/// An HTTP status code.
public struct Status: Sendable, Hashable {
    public let code: Int

    public init(_ code: Int) { self.code = code }

    public static let `continue` = Status(100)
    public static let ok = Status(200)
    public static let created = Status(201)
    public static let noContent = Status(204)
    public static let movedPermanently = Status(301)
    public static let found = Status(302)
    public static let notModified = Status(304)
    public static let badRequest = Status(400)
    public static let unauthorized = Status(401)
    public static let forbidden = Status(403)
    public static let notFound = Status(404)
    public static let methodNotAllowed = Status(405)
    public static let requestTimeout = Status(408)
    public static let conflict = Status(409)
    public static let payloadTooLarge = Status(413)
    public static let uriTooLong = Status(414)
    public static let unsupportedMediaType = Status(415)
    public static let expectationFailed = Status(417)
    public static let tooManyRequests = Status(429)
    public static let headerFieldsTooLarge = Status(431)
    public static let internalServerError = Status(500)
    public static let notImplemented = Status(501)
    public static let serviceUnavailable = Status(503)
    public static let httpVersionNotSupported = Status(505)

    public var reason: String {
        switch code {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Status \(code)"
        }
    }

    /// The message of the HTTP-layer error body (SPEC §0) for statuses the server itself produces.
    public var defaultMessage: String {
        switch code {
        case 400: "Bad request"
        case 404: "Not found"
        case 405: "Method not allowed"
        case 408: "Request timeout"
        case 413: "Request body too large"
        case 414: "URI too long"
        case 431: "Request header fields too large"
        case 500: "Internal server error"
        case 501: "Not implemented"
        case 503: "Server busy"
        case 505: "HTTP version not supported"
        default: reason
        }
    }

    /// `HTTP/1.1 <code> <reason>\r\n`, cached for common codes.
    public var statusLine: [UInt8] {
        if let cached = Status.cachedLines[code] { return cached }
        return Status.render(code)
    }

    private static func render(_ code: Int) -> [UInt8] {
        Array("HTTP/1.1 \(code) \(Status(code).reason)\r\n".utf8)
    }

    private static let cachedLines: [Int: [UInt8]] = {
        var d: [Int: [UInt8]] = [:]
        for c in [100, 200, 201, 204, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 408, 409, 413, 414, 415, 417,
                  422, 429, 431, 500, 501, 502, 503, 504, 505] {
            d[c] = render(c)
        }
        return d
    }()
}
extension Status: Error {}
