// Raw request text and shared expectations for end-to-end tests. Pure helpers; any thread.
import Testing

enum Req {
    /// `METHOD path HTTP/1.1` with a Host header, `headers` ("Name: value") and an optional body (Content-Length added).
    static func make(_ method: String, _ path: String, headers: [String] = [], body: String? = nil,
                     version: String = "HTTP/1.1", host: Bool = true) -> String {
        var s = "\(method) \(path) \(version)\r\n"
        if host { s += "Host: localhost\r\n" }
        for h in headers { s += h + "\r\n" }
        if let body { s += "Content-Length: \(body.utf8.count)\r\n" }
        s += "\r\n"
        if let body { s += body }
        return s
    }

    static func get(_ path: String, headers: [String] = []) -> String { make("GET", path, headers: headers) }
    static func head(_ path: String, headers: [String] = []) -> String { make("HEAD", path, headers: headers) }
}

enum Expected {
    static let healthPrefix = #"{"status":"ok","version":""#
    static let jsonType = "application/json; charset=utf-8"

    static func errorBody(_ message: String) -> String { #"{"error":""# + message + #""}"# }
}

/// The checks every response must pass: exactly one Date (IMF-fixdate) and one non-empty X-Request-Id.
func expectCommonHeaders(_ r: HTTPResponse, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.count(of: "Date") == 1, "one Date header", sourceLocation: sourceLocation)
    if let date = r.header("Date") {
        #expect(date.count == 29 && date.hasSuffix(" GMT"), "IMF-fixdate, got \(date)", sourceLocation: sourceLocation)
    }
    #expect(r.count(of: "X-Request-Id") == 1, "one X-Request-Id header", sourceLocation: sourceLocation)
    #expect(!(r.header("X-Request-Id") ?? "").isEmpty, "X-Request-Id not empty", sourceLocation: sourceLocation)
}

/// An HTTP-layer error (SPEC §0): the status, the exact JSON body, `Connection: close`, then the server closes.
func expectErrorAndClose(_ c: RawClient, _ status: Int, _ message: String, head: Bool = false,
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
    let r = try c.readResponse(head: head)
    #expect(r.status == status, sourceLocation: sourceLocation)
    if !head { #expect(r.text == Expected.errorBody(message), sourceLocation: sourceLocation) }
    #expect(r.header("Content-Type") == Expected.jsonType, sourceLocation: sourceLocation)
    #expect(r.closes, "Connection: close", sourceLocation: sourceLocation)
    expectCommonHeaders(r, sourceLocation: sourceLocation)
    let (rest, _) = try c.readToEnd()
    #expect(rest.isEmpty, "nothing after the error response", sourceLocation: sourceLocation)
    c.close()   // ends the server's lingering read at once
}
