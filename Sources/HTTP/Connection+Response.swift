// A connection's responses: running the handler, writing the response (bytes, deferred or streamed), logging the
// request once answered, HTTP-layer errors. Loop thread only.
import Dispatch
import HTTPCore
import System

extension Connection {
    func dispatch() {
        guard let h = head else { return }
        phase = .waiting
        timer = .none
        deadline = 0
        var request = Request(method: h.method, path: h.path, query: h.query, version: h.version,
                              headers: h.headers, body: decoder.takeBody(), keepAlive: h.keepAlive)
        request.requestID = requestID
        request.remoteAddress = peer
        request.loopIndex = loop.index
        if reserved > 0 {
            // The body's budget now lives as long as the request does (a queued job may hold it past this answer).
            request.bodyLease = BodyLease(server: server, bytes: reserved)
            reserved = 0
        }
        let response: Response
        switch match {
        case .found(let route, let params, _):
            request.parameters = params
            request.routePattern = route.pattern
            do {
                response = try route.handler(&request)
            } catch {
                response = server.errorResponse(error)
            }
            // Headers the handler attached to the request (a renewed cookie) go on whatever answers it.
            pathHeaders.append(contentsOf: request.responseHeaders)
        case .methodNotAllowed(let allow, _):
            response = Response.error(.methodNotAllowed, "Method not allowed", headers: [("Allow", allow)])
        case .notFound:
            response = Response.error(.notFound, "Not found")
        }
        deliver(response)
    }

    /// Writes `response` for the request in progress (called again later for deferred responses).
    func deliver(_ original: Response) {
        guard phase == .waiting, let h = head else { return }
        pendingResponder = nil
        var response = original
        if !pathHeaders.isEmpty, !isDeferred(response) { response.headers.append(contentsOf: pathHeaders) }
        responseStatus = response.status.code
        switch response.body {
        case .deferred(let produce):
            let responder = Responder(loop: loop, fd: fd, connectionID: id)
            pendingResponder = responder
            produce(responder)
            return
        case .bytes(let bytes):
            encodeHead(response, contentLength: bytes.count)
            if h.method != .head { out.append(contentsOf: bytes) }
            finishRequest()
        case .empty:
            encodeHead(response, contentLength: 0)
            finishRequest()
        case .stream(let produce):
            streamChunked = h.version == .http11
            if !streamChunked { keepAlive = false }
            encodeHead(response, contentLength: nil)
            if h.method == .head {
                finishRequest()
            } else {
                let writer = StreamWriter(loop: loop, fd: fd, connectionID: id, highWater: server.config.streamHighWaterBytes)
                stream = writer
                phase = .streaming
                // A producer blocks in write() for as long as its client reads slowly. On the shared concurrent pool
                // (about one thread per core) a few of those would starve all other work, so each gets its own serial
                // queue: those run on dispatch's overcommitting pool and get a thread at once.
                DispatchQueue(label: "orchestrator.stream").async { produce(writer) }
            }
        }
        if !inProcess { flush() }
    }

    func isDeferred(_ r: Response) -> Bool {
        if case .deferred = r.body { return true }
        return false
    }

    /// Moves queued stream chunks into the output (loop thread, on the writer's notification).
    func pullStream() {
        guard phase == .streaming, let writer = stream else { return }
        let (chunks, ended) = writer.take()
        for c in chunks {
            if streamChunked {
                ResponseEncoder.appendChunk(c, to: &out)
            } else {
                out.append(contentsOf: c)
            }
        }
        if ended {
            if streamChunked { out.append(contentsOf: ResponseEncoder.lastChunk) }
            stream = nil
            phase = .waiting
            finishRequest()
        }
        flush()
    }

    func finishRequest() {
        let elapsed = MonotonicClock.nanoseconds() - requestStart
        if let observer = server.observer {
            observer.requestFinished(loop: loop.index, route: routePattern, status: responseStatus, durationNanos: elapsed)
        }
        let logger = server.logger
        if logger.enabled(.info) {
            let ms = Double(elapsed / 1000) / 1000
            if routePattern == "unmatched", let path = head?.path {
                // No route matched: the path says what was asked (at most 256 bytes; the logger escapes it).
                logger.render(into: &loop.logBuffer, .info, "request", [
                    "id": .string(requestID), "method": .string(head?.method.name ?? "-"), "route": .string(routePattern),
                    "path": .string(String(decoding: path.utf8.prefix(256), as: UTF8.self)),
                    "status": .int(responseStatus), "duration_ms": .double(ms),
                ])
            } else {
                logger.render(into: &loop.logBuffer, .info, "request", [
                    "id": .string(requestID), "method": .string(head?.method.name ?? "-"), "route": .string(routePattern),
                    "status": .int(responseStatus), "duration_ms": .double(ms),
                ])
            }
            if loop.logBuffer.count > 65536 { loop.flushLog() }   // a long pipelined batch: hand over as it grows
        }
        release()
        head = nil
        match = .notFound
        // The next response on this connection (an HTTP-layer error included) must not reuse this request's id or headers.
        requestID = ""
        routePattern = "unmatched"
        pathHeaders = []
        if !keepAlive {
            phase = .closing
            readPaused = true
            return
        }
        phase = .head
        if readPaused && !peerClosed {
            readPaused = false
            updateInterest()
        }
        if inbound.isEmpty {
            startIdleTimer()
        } else {
            startHeaderTimer(seenBytes: true)
        }
        resume()
    }

    /// Between requests, outside `process`: answers buffered pipelined requests while the output allows, and closes
    /// once the client has finished sending (read() == 0) and everything it asked for is answered and written.
    func resume() {
        guard phase == .head, !inProcess else { return }
        if !inbound.isEmpty && out.count - outOffset <= Connection.maxUnsentBeforePause {
            let data = inbound
            inbound = []
            processBuffered(data)
        }
        if phase == .head && peerClosed && outOffset >= out.count {
            close()   // a partial request left in `inbound` can never complete
        }
    }

    /// An HTTP-layer error: respond with `Connection: close`, then close after a lingering read.
    func respondAndClose(_ status: Status, _ message: String) {
        keepAlive = false
        phase = .waiting
        timer = .none   // this is the last response: a header or body deadline must not answer again
        deadline = 0
        if stream != nil { stream?.cancel(); stream = nil }
        release()
        responseStatus = status.code
        if requestID.isEmpty { requestID = loop.nextRequestID() }
        encodeHead(Response.error(status, message, headers: pathHeaders), contentLength: -1)
        finishRequest()
        if !inProcess { flush() }
    }

    /// Answers a connection that is not served at all (over the limit, shutting down).
    func reject(_ status: Status, _ message: String) {
        requestStart = MonotonicClock.nanoseconds()
        requestID = loop.nextRequestID()
        respondAndClose(status, message)
    }

    /// Status line and header fields. `contentLength` nil = streamed; -1 = take it from an error body (bytes), which
    /// follows the head.
    func encodeHead(_ r: Response, contentLength: Int?) {
        // Draining: the last answer says `Connection: close`; but with pipelined requests already buffered behind a
        // late (deferred) answer, stay open so each of them gets its 503 "Server is shutting down" (SPEC §5).
        if loop.draining && (inbound.isEmpty || inProcess) { keepAlive = false }
        var length = contentLength
        if length == -1, case .bytes(let b) = r.body { length = b.count }
        ResponseEncoder.appendHead(r, contentLength: length, chunked: streamChunked, keepAlive: keepAlive,
                                   http10: head?.version == .http10, requestID: requestID, dateLine: loop.date.line,
                                   to: &out)
        if contentLength == -1, case .bytes(let b) = r.body, head?.method != .head { out.append(contentsOf: b) }
    }

    static func clientRequestID(_ headers: Headers) -> String? {
        guard let v = headers["x-request-id"], !v.isEmpty, v.utf8.count <= 128 else { return nil }
        for b in v.utf8 where b < 0x20 || b > 0x7E { return nil }   // printable ASCII, space included
        return v
    }
}
