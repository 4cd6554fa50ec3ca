// Why an outbound call failed, with texts fit to stand as the spec's "<transport error text>" (§3.2). Immutable; any thread.

/// A failed outbound HTTP call. `description` is a complete, human-readable sentence fragment, e.g.
/// "TLS error: certificate verify failed: hostname mismatch". A step turns `.timeout` into its own
/// "Step timed out after <n> ms" message.
public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The URL is not an absolute http(s) URL we can send to (userinfo, bad host or port, other schemes).
    case invalidURL(String)
    /// The request itself cannot be sent: a method or header that is not valid HTTP.
    case invalidRequest(String)
    /// The deadline (`ClientRequest.timeoutMs`, in ms) passed before the call completed.
    case timeout(Int)
    /// A `CancelToken` was cancelled.
    case cancelled
    /// Name resolution failed: the host and getaddrinfo's reason.
    case dns(String)
    /// No TCP connection could be opened: address and errno text.
    case connect(String)
    /// The TLS handshake or a TLS record failed; carries OpenSSL's reason ("certificate has expired", "hostname mismatch").
    case tls(String)
    /// The connection failed after it was open (reset, closed early).
    case network(String)
    /// The peer's bytes are not a valid HTTP/1.x response (or gzip body).
    case protocolError(String)
    /// The response body (after decoding) exceeds `maxResponseBytes`.
    case tooLarge(limit: Int)
    /// More than `HTTPClient.maxRedirects` redirects, including loops.
    case tooManyRedirects

    public var description: String {
        switch self {
        case .invalidURL(let url): "Invalid URL: \(url)"
        case .invalidRequest(let why): "Invalid request: \(why)"
        case .timeout(let ms): "Request timed out after \(ms) ms"
        case .cancelled: "Request cancelled"
        case .dns(let detail): "DNS lookup failed: \(detail)"
        case .connect(let detail): "Connection failed: \(detail)"
        case .tls(let detail): "TLS error: \(detail)"
        case .network(let detail): "Network error: \(detail)"
        case .protocolError(let detail): "Invalid HTTP response: \(detail)"
        case .tooLarge(let limit): "Response body exceeds \(limit) bytes"
        case .tooManyRedirects: "Too many redirects (more than \(HTTPClient.maxRedirects))"
        }
    }
}
