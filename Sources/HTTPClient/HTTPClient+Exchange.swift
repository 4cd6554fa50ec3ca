// One request/response exchange on a pooled or fresh connection: write the request, read the head (skipping 1xx),
// retry once on a fresh connection when a reused one turns out stale, and give connections back. Calling thread.

extension HTTPClient {
    /// Sends `hop` and reads the head of its final (non-1xx) response. The caller owns the returned connection and must
    /// `release` or close it.
    func exchange(_ hop: PreparedRequest, deadline: Deadline, cancel: CancelToken?) throws(ClientError) -> (ClientConnection, ResponseHead) {
        var wire = hop.head(userAgent: userAgent)
        if let body = hop.body { wire.append(contentsOf: body) }
        var mayReuse = true
        while true {
            let pooled = mayReuse ? pool.checkout(hop.url.origin) : nil
            let connection: ClientConnection
            if let pooled {
                connection = pooled
            } else {
                connection = try ClientConnection.open(hop.url, tls: tls, deadline: deadline, cancel: cancel)
            }
            let sentBefore = connection.bytesSent
            let receivedBefore = connection.bytesReceived
            do {
                try connection.write(wire, deadline: deadline, cancel: cancel)
                return (connection, try readHead(connection, deadline: deadline, cancel: cancel))
            } catch {
                connection.close()
                // A kept-alive connection the server had already closed: nothing came back, so the request can go
                // again on a new connection, if repeating it is safe or none of it went out.
                let stale = pooled != nil && connection.bytesReceived == receivedBefore
                    && (hop.isIdempotent || connection.bytesSent == sentBefore)
                if case .network = error, stale {
                    mayReuse = false
                    continue
                }
                throw error
            }
        }
    }

    /// Parses the response head from the connection, reading as needed; 1xx interim responses are skipped.
    func readHead(_ connection: ClientConnection, deadline: Deadline, cancel: CancelToken?) throws(ClientError) -> ResponseHead {
        while true {
            switch ResponseHead.parse(connection.buffer[...]) {
            case .needMore:
                if try !connection.fill(deadline: deadline, cancel: cancel) {
                    throw .network(connection.buffer.isEmpty ? "connection closed before the response"
                                                             : "connection closed in the middle of the response head")
                }
            case .head(let head, let consumed):
                connection.buffer.removeFirst(consumed)
                if head.status == 101 { throw .protocolError("unexpected 101 Switching Protocols") }
                if head.status < 200 { continue }
                return head
            case .invalid(let why):
                throw .protocolError(why)
            }
        }
    }

    /// Pools the connection when its response was read in full and both sides allow keep-alive; closes it otherwise.
    func release(_ connection: ClientConnection, head: ResponseHead, reader: ResponseBodyReader) {
        // A response with both Transfer-Encoding and Content-Length is a smuggling signal (RFC 9112 §6.3): its body was
        // read by Transfer-Encoding, but the connection is not trusted again.
        let ambiguous = head.headers.contains { $0.0.lowercased() == "transfer-encoding" }
            && head.headers.contains { $0.0.lowercased() == "content-length" }
        let keepAlive = head.minorVersion == 1 && !head.tokens("connection").contains("close") && !ambiguous
            && reader.isComplete && reader.framing != .untilClose && connection.buffer.isEmpty
        if keepAlive && pool.maxIdlePerOrigin > 0 {
            pool.checkin(connection)
        } else {
            connection.close()
        }
    }
}
