// Name resolution off the calling thread: getaddrinfo runs on a Dispatch queue while the caller polls an eventfd with
// its deadline and cancel token, so a slow resolver never holds a call past its deadline. IP literals skip the lookup.
import System
import CLinux
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A socket address as getaddrinfo returns it, copied out of the addrinfo list.
struct SocketAddress: Sendable {
    let family: Int32
    let storage: sockaddr_storage
    let length: socklen_t

    /// "127.0.0.1:8080" / "[::1]:8080", for error texts.
    var description: String {
        var s = storage
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        var port: UInt16 = 0
        withUnsafePointer(to: &s) { p in
            p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                if family == AF_INET6 {
                    var a = v6.pointee.sin6_addr
                    inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count))
                    port = v6.pointee.sin6_port
                }
            }
            p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                if family == AF_INET {
                    var a = v4.pointee.sin_addr
                    inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count))
                    port = v4.pointee.sin_port
                }
            }
        }
        let host = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return family == AF_INET6 ? "[\(host)]:\(UInt16(bigEndian: port))" : "\(host):\(UInt16(bigEndian: port))"
    }
}

/// Resolves hosts to socket addresses within a deadline.
enum Resolver {
    static let maxInFlight = 64
    static let inFlight = Atomic<Int>(0)

    /// The addresses for `host:port`, in getaddrinfo's order (RFC 6724 preference).
    static func resolve(host: String, port: Int, deadline: Deadline, cancel: CancelToken?) throws(ClientError) -> [SocketAddress] {
        if let literal = literal(host: host, port: port) { return [literal] }
        try deadline.check(cancel)
        // A lookup whose caller timed out keeps its thread until getaddrinfo returns (tens of seconds against a dead
        // DNS server): past `maxInFlight` such threads, fail at once rather than pile up more.
        guard Resolver.inFlight.add(1, ordering: .relaxed).newValue <= Resolver.maxInFlight else {
            Resolver.inFlight.subtract(1, ordering: .relaxed)
            throw .dns("\(host): too many DNS lookups in progress")
        }
        guard let lookup = Lookup() else {
            Resolver.inFlight.subtract(1, ordering: .relaxed)
            throw .dns("\(host): out of file descriptors")
        }
        // A serial queue of its own: libdispatch gives serial queues an "overcommit" thread even when every pool
        // thread is blocked (workers waiting in calls like this one), where a concurrent queue would wait for a free one.
        DispatchQueue(label: "httpclient.resolver").async {
            lookup.run(host: host, port: port)
            Resolver.inFlight.subtract(1, ordering: .relaxed)
        }
        try deadline.wait(for: lookup.fd, events: Int16(POLLIN), cancel: cancel)
        guard let result = lookup.result else { throw .dns("\(host): no result") }
        return try result.get()
    }

    /// An IPv4 or IPv6 literal as an address, without asking the resolver.
    static func literal(host: String, port: Int) -> SocketAddress? {
        var storage = sockaddr_storage()
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            withUnsafeMutablePointer(to: &storage) { p in
                p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    $0.pointee.sin_family = sa_family_t(AF_INET)
                    $0.pointee.sin_port = UInt16(port).bigEndian
                    $0.pointee.sin_addr = v4
                }
            }
            return SocketAddress(family: AF_INET, storage: storage, length: socklen_t(MemoryLayout<sockaddr_in>.size))
        }
        if inet_pton(AF_INET6, host, &v6) == 1 {
            withUnsafeMutablePointer(to: &storage) { p in
                p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    $0.pointee.sin6_family = sa_family_t(AF_INET6)
                    $0.pointee.sin6_port = UInt16(port).bigEndian
                    $0.pointee.sin6_addr = v6
                }
            }
            return SocketAddress(family: AF_INET6, storage: storage, length: socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
        return nil
    }
}

/// One getaddrinfo call shared between the resolver queue (which writes the result, then signals `fd`) and the
/// caller (which may give up first). Whoever lets go last closes the eventfd, in deinit.
private final class Lookup: Sendable {
    let fd: Int32
    private let outcome = Mutex<Result<[SocketAddress], ClientError>?>(nil)

    /// Nil when no eventfd can be made (out of file descriptors): the lookup fails, the process lives.
    init?() {
        guard let fd = try? EventFD.open() else { return nil }
        self.fd = fd
    }

    deinit { close(fd) }

    var result: Result<[SocketAddress], ClientError>? { outcome.withLock { $0 } }

    func run(host: String, port: Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        let result: Result<[SocketAddress], ClientError>
        if rc != 0 {
            let reason = rc == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(rc))
            result = .failure(.dns("\(host): \(reason)"))
        } else {
            var addresses: [SocketAddress] = []
            var node = list
            while let ai = node {
                if let sa = ai.pointee.ai_addr, ai.pointee.ai_family == AF_INET || ai.pointee.ai_family == AF_INET6 {
                    var storage = sockaddr_storage()
                    withUnsafeMutableBytes(of: &storage) { dst in
                        dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(ai.pointee.ai_addrlen)))
                    }
                    addresses.append(SocketAddress(family: ai.pointee.ai_family, storage: storage, length: ai.pointee.ai_addrlen))
                }
                node = ai.pointee.ai_next
            }
            freeaddrinfo(list)
            result = addresses.isEmpty ? .failure(.dns("\(host): no addresses")) : .success(addresses)
        }
        outcome.withLock { $0 = result }
        EventFD.signal(fd)
    }
}
