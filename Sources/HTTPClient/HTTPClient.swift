// The outbound HTTP/1.1 client: blocking calls with one hard deadline, meant for worker threads. Never call it on an
// event-loop thread: a call blocks its thread for up to `timeoutMs`. Any number of threads may share one client.
#if canImport(Glibc)
import Glibc
#endif

/// Sends HTTP/1.1 requests over plain TCP or TLS (OpenSSL 3: TLS 1.2+, chain and hostname verification against the
/// system store plus an extra CA file), with a bounded keep-alive pool per origin, gzip decoding, up to
/// `maxRedirects` redirects with fetch semantics, a response size cap, and cancellation.
///
/// Every call blocks the calling thread until it completes, fails, times out (`ClientRequest.timeoutMs`, one deadline
/// covering DNS, connect, handshake, redirects and the whole response) or is cancelled. Run it on a worker thread or
/// queue, never on an event-loop thread.
public final class HTTPClient: Sendable {
    public static let maxRedirects = 5
    /// A redirect's body is read (to keep the connection) only up to this size; a larger one closes the connection.
    static let maxDrainedRedirectBytes = 65536

    let tls: TLSContext
    let pool: ConnectionPool
    let userAgent: String

    /// Creating a client parses the system trust store (tens of ms): make one per process and share it.
    /// - Parameters:
    ///   - caFile: a PEM bundle trusted besides the system store (`ORCHESTRATOR_CA_FILE`). If it cannot be loaded,
    ///     every https call fails with a `.tls` error saying so.
    ///   - userAgent: sent as `User-Agent` unless a request sets its own.
    ///   - maxIdlePerOrigin: idle keep-alive connections kept per (scheme, host, port); 0 disables reuse.
    ///   - maxIdleTotal: idle connections kept across all origins (the oldest go first).
    public init(caFile: String? = nil, userAgent: String, maxIdlePerOrigin: Int = 8, maxIdleTotal: Int = 128) {
        // OpenSSL writes to its socket with write(2), which raises SIGPIPE when the peer has gone; the server ignores
        // it too (Server.start), so the failure comes back as EPIPE instead of ending the process.
        signal(SIGPIPE, SIG_IGN)
        tls = TLSContext(caFile: caFile)
        pool = ConnectionPool(maxIdlePerOrigin: maxIdlePerOrigin, maxIdleTotal: maxIdleTotal)
        self.userAgent = userAgent
    }

    deinit { pool.closeAll() }

    /// Sends `request`, follows redirects (when `followRedirects`), and returns the final response with its whole,
    /// decoded body. Blocks the calling thread; see the type's notes.
    public func send(_ request: ClientRequest, cancel: CancelToken? = nil) throws(ClientError) -> ClientResponse {
        var status = 0
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var finalURL = request.url
        do {
            try perform(request, cancel: cancel, onHead: { head, url in
                status = head.status
                headers = head.headers
                finalURL = url.description
            }, onChunk: { piece in
                body.append(contentsOf: piece)
                return true
            })
        } catch let error as ClientError {
            throw error
        } catch {
            throw .protocolError("\(error)")   // not reached: the callbacks above do not throw
        }
        return ClientResponse(status: status, headers: headers, body: body, url: finalURL)
    }

    /// Sends `request` like `send`, but hands over the final response's status and headers, then its decoded body in
    /// pieces as they arrive (for server-sent events). `onChunk` returning false stops reading and closes the
    /// connection. Throws `ClientError`, or whatever a callback throws. Blocks the calling thread.
    public func stream(_ request: ClientRequest, cancel: CancelToken? = nil,
                       onResponse: (Int, [(String, String)]) throws -> Void,
                       onChunk: ([UInt8]) throws -> Bool) throws {
        try perform(request, cancel: cancel, onHead: { head, _ in try onResponse(head.status, head.headers) }, onChunk: onChunk)
    }

    // MARK: - One call

    /// Runs the redirect loop, then streams the final response's body to `onChunk`.
    func perform(_ request: ClientRequest, cancel: CancelToken?, onHead: (ResponseHead, ClientURL) throws -> Void,
                 onChunk: ([UInt8]) throws -> Bool) throws {
        let deadline = Deadline(timeoutMs: request.timeoutMs)
        var hop = try PreparedRequest(request)
        var redirects = 0
        while true {
            try deadline.check(cancel)
            let (connection, head) = try exchange(hop, deadline: deadline, cancel: cancel)
            var reader: ResponseBodyReader
            do {
                reader = ResponseBodyReader(framing: try ResponseFraming.of(head, method: hop.method), limit: request.maxResponseBytes)
            } catch {
                connection.close()
                throw error
            }
            if request.followRedirects, PreparedRequest.isRedirect(head.status), let location = head.value("location") {
                guard redirects < HTTPClient.maxRedirects else {
                    connection.close()
                    throw ClientError.tooManyRedirects
                }
                let next: PreparedRequest
                do {
                    next = try hop.redirected(status: head.status, location: location)
                } catch {
                    connection.close()
                    throw error
                }
                try drain(connection, head: head, reader: &reader, deadline: deadline, cancel: cancel)
                hop = next
                redirects += 1
                continue
            }
            try deliver(connection, head: head, reader: &reader, url: hop.url, limit: request.maxResponseBytes,
                        deadline: deadline, cancel: cancel, onHead: onHead, onChunk: onChunk)
            return
        }
    }

    /// Reads the final body through gzip decoding (when the response says so) into `onChunk`, then returns the
    /// connection to the pool or closes it.
    private func deliver(_ connection: ClientConnection, head: ResponseHead, reader: inout ResponseBodyReader, url: ClientURL,
                         limit: Int, deadline: Deadline, cancel: CancelToken?,
                         onHead: (ResponseHead, ClientURL) throws -> Void, onChunk: ([UInt8]) throws -> Bool) throws {
        do {
            try onHead(head, url)
            let encoding = head.value("content-encoding").map { String($0.trimmingASCIISpaces).lowercased() }
            let gzip = encoding == "gzip" || encoding == "x-gzip" ? try GzipDecoder(limit: limit) : nil
            var sawBody = false
            while let piece = try reader.next(from: connection, deadline: deadline, cancel: cancel) {
                sawBody = true
                let data = try gzip?.decode(piece) ?? piece
                if !data.isEmpty, try !onChunk(data) {
                    connection.close()
                    return
                }
            }
            if sawBody { try gzip?.finish() }
        } catch {
            connection.close()
            throw error
        }
        release(connection, head: head, reader: reader)
    }

    /// Reads and discards a redirect's body so the connection can be reused; a large or broken one just closes it.
    private func drain(_ connection: ClientConnection, head: ResponseHead, reader: inout ResponseBodyReader,
                       deadline: Deadline, cancel: CancelToken?) throws(ClientError) {
        var drained = 0
        do {
            while drained <= HTTPClient.maxDrainedRedirectBytes,
                  let piece = try reader.next(from: connection, deadline: deadline, cancel: cancel) {
                drained += piece.count
            }
        } catch {
            connection.close()
            switch error {
            case .timeout, .cancelled: throw error
            default: return
            }
        }
        release(connection, head: head, reader: reader)
    }
}
