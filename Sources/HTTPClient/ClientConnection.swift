// One outbound TCP (optionally TLS) connection: non-blocking connect, handshake, reads and writes, each bounded by the
// call's deadline and cancel token. Owned by one thread at a time: the caller using it, or the pool under its lock.
import CLinux
import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// A connected socket with its TLS session and the bytes read but not yet consumed.
final class ClientConnection: @unchecked Sendable {   // handed between a calling thread and `ConnectionPool`, never shared
    static let readChunk = 16384

    let origin: Origin
    private let fd: Int32
    private var ssl: OpaquePointer?
    private var closed = false
    /// Bytes received but not yet consumed by the response parser or body reader.
    var buffer: [UInt8] = []
    /// When it went back to the pool (monotonic ns).
    var idleSince: Int64 = 0
    /// Totals over the connection's life, to tell whether an exchange sent or received anything.
    private(set) var bytesSent = 0
    private(set) var bytesReceived = 0

    private init(origin: Origin, fd: Int32) {
        self.origin = origin
        self.fd = fd
    }

    deinit { close() }

    /// Resolves, connects (trying each address in turn) and, for https, completes the TLS handshake.
    static func open(_ url: ClientURL, tls: TLSContext, deadline: Deadline, cancel: CancelToken?) throws(ClientError) -> ClientConnection {
        let addresses = try Resolver.resolve(host: url.host, port: url.port, deadline: deadline, cancel: cancel)
        var lastError = ClientError.connect("\(url.authority): no addresses")
        for address in addresses {
            do {
                let fd = try connect(to: address, deadline: deadline, cancel: cancel)
                let connection = ClientConnection(origin: url.origin, fd: fd)
                if url.isTLS {
                    try connection.handshake(tls: tls, host: url.host, isIPLiteral: url.isIPLiteral, deadline: deadline, cancel: cancel)
                }
                return connection
            } catch {
                switch error {
                case .connect: lastError = error   // try the next address
                default: throw error
                }
            }
        }
        throw lastError
    }

    private static func connect(to address: SocketAddress, deadline: Deadline, cancel: CancelToken?) throws(ClientError) -> Int32 {
        try deadline.check(cancel)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(address.family, type, 0)
        guard fd >= 0 else { throw .connect("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = address.storage
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        if rc != 0 && errno != EINPROGRESS && errno != EINTR {
            let code = errno
            Glibc.close(fd)
            throw .connect("\(address.description): \(String(cString: strerror(code)))")
        }
        if rc != 0 {
            do {
                try deadline.wait(for: fd, events: Int16(POLLOUT), cancel: cancel)
            } catch {
                Glibc.close(fd)
                throw error
            }
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if soError != 0 {
                Glibc.close(fd)
                throw .connect("\(address.description): \(String(cString: strerror(soError)))")
            }
        }
        return fd
    }

    private func handshake(tls: TLSContext, host: String, isIPLiteral: Bool, deadline: Deadline, cancel: CancelToken?) throws(ClientError) {
        let ssl = try tls.makeSession(fd: fd, host: host, isIPLiteral: isIPLiteral)
        self.ssl = ssl
        while true {
            ERR_clear_error()
            let rc = SSL_connect(ssl)
            if rc == 1 { return }
            let code = SSL_get_error(ssl, rc)
            switch code {
            case SSL_ERROR_WANT_READ: try deadline.wait(for: fd, events: Int16(POLLIN), cancel: cancel)
            case SSL_ERROR_WANT_WRITE: try deadline.wait(for: fd, events: Int16(POLLOUT), cancel: cancel)
            case SSL_ERROR_SSL: throw .tls(TLSContext.handshakeFailure(ssl))
            case SSL_ERROR_SYSCALL where errno != 0: throw .tls("handshake: \(String(cString: strerror(errno)))")
            default: throw .tls("connection closed during the handshake")
            }
        }
    }

    // MARK: - I/O

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8], deadline: Deadline, cancel: CancelToken?) throws(ClientError) {
        var offset = 0
        while offset < bytes.count {
            try deadline.check(cancel)
            let (n, wait) = try bytes.withUnsafeBytes { raw in
                Result { () throws(ClientError) in try writeSome(raw.baseAddress! + offset, raw.count - offset) }
            }.get()
            offset += n
            bytesSent += n
            if n == 0 { try deadline.wait(for: fd, events: wait, cancel: cancel) }
        }
    }

    /// Bytes written (0 when it would block) and what to wait for then.
    private func writeSome(_ p: UnsafeRawPointer, _ count: Int) throws(ClientError) -> (Int, Int16) {
        if let ssl {
            var written = 0
            ERR_clear_error()
            if SSL_write_ex(ssl, p, count, &written) == 1 { return (written, 0) }
            return (0, try sslWait(ssl, SSL_get_error(ssl, 0), during: "write"))
        }
        let n = send(fd, p, count, Int32(MSG_NOSIGNAL))
        if n >= 0 { return (n, 0) }
        if errno == EAGAIN || errno == EINTR { return (0, Int16(POLLOUT)) }
        throw .network("send: \(String(cString: strerror(errno)))")
    }

    /// Reads what is available (waiting for at least one byte) and appends it to `buffer`. Returns false at end of stream.
    func fill(deadline: Deadline, cancel: CancelToken?) throws(ClientError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: ClientConnection.readChunk)
        while true {
            try deadline.check(cancel)
            let (n, wait) = try chunk.withUnsafeMutableBytes { raw in
                Result { () throws(ClientError) in try readSome(raw.baseAddress!, raw.count) }
            }.get()
            if n > 0 {
                bytesReceived += n
                buffer.append(contentsOf: chunk[0..<n])
                return true
            }
            if wait == 0 { return false }
            try deadline.wait(for: fd, events: wait, cancel: cancel)
        }
    }

    /// Bytes read, or 0 with what to wait for (0 = end of stream).
    private func readSome(_ p: UnsafeMutableRawPointer, _ count: Int) throws(ClientError) -> (Int, Int16) {
        if let ssl {
            var got = 0
            ERR_clear_error()
            if SSL_read_ex(ssl, p, count, &got) == 1 { return (got, 0) }
            return (0, try sslWait(ssl, SSL_get_error(ssl, 0), during: "read"))
        }
        let n = recv(fd, p, count, 0)
        if n > 0 { return (n, 0) }
        if n == 0 { return (0, 0) }
        if errno == EAGAIN || errno == EINTR { return (0, Int16(POLLIN)) }
        throw .network("recv: \(String(cString: strerror(errno)))")
    }

    /// Maps an SSL_get_error code to the poll events to wait for, 0 for a clean end of stream, or an error.
    private func sslWait(_ ssl: OpaquePointer, _ code: Int32, during op: String) throws(ClientError) -> Int16 {
        switch code {
        case SSL_ERROR_WANT_READ: return Int16(POLLIN)
        case SSL_ERROR_WANT_WRITE: return Int16(POLLOUT)
        case SSL_ERROR_ZERO_RETURN: return 0
        case SSL_ERROR_SYSCALL:
            if errno == 0 { return 0 }
            throw .network("\(op): \(String(cString: strerror(errno)))")
        default:
            throw .tls("\(op): \(TLSContext.errorQueueText())")
        }
    }

    /// True when an idle connection still looks usable: no EOF, reset or stray bytes waiting. TLS 1.3 session tickets
    /// that arrive after the last response are consumed here without counting as stray bytes.
    func isIdleAndOpen() -> Bool {
        guard !closed, buffer.isEmpty else { return false }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = poll(&pfd, 1, 0)
        if n == 0 { return true }
        if n < 0 || pfd.revents & Int16(POLLIN) == 0 { return false }
        guard let ssl else { return false }
        var scratch = [UInt8](repeating: 0, count: 1)
        var got = 0
        ERR_clear_error()
        if SSL_read_ex(ssl, &scratch, 1, &got) == 1 { return false }
        let code = SSL_get_error(ssl, 0)
        ERR_clear_error()
        return code == SSL_ERROR_WANT_READ
    }

    /// Closes the socket at once (no TLS close_notify: the peer sees a plain TCP close). Idempotent.
    func close() {
        guard !closed else { return }
        closed = true
        if let ssl { SSL_free(ssl) }
        ssl = nil
        Glibc.close(fd)
    }
}
