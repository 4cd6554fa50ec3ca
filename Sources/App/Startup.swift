// What `serve` checks and holds before it serves (SPEC §14): the listen address is valid before anything touches the
// disk; one process per data directory (an exclusive lock held while serving) and per address (an abstract-namespace
// socket named after it, since our own listeners share the port with SO_REUSEPORT). Main thread, at start-up.
import Domain
import Services
import System
#if canImport(Glibc)
import Glibc
#endif

enum Startup {
    /// Fails with a plain sentence when `host` is not an address this machine can listen on.
    static func checkHost(_ host: String) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, "0", &hints, &res) == 0, let info = res else {
            throw StartupError("Invalid host \(host): not an address or a name this machine can resolve")
        }
        defer { freeaddrinfo(res) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        if bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 && errno == EADDRNOTAVAIL {
            throw StartupError("Cannot listen on \(host): it is not an address of this machine")
        }
    }

    /// One plain sentence for a start-up failure.
    static func sentence(_ error: any Error, config: AppConfig) -> String {
        if let e = error as? SystemError, e.code == EADDRINUSE {
            return "Address already in use: \(config.server.host):\(config.server.port)"
        }
        return CLI.sentence(error)
    }
}

/// An exclusive lock on a data directory, held by the serving process until `release` (or its exit).
final class DataDirectoryLock: Sendable {
    private let fd: Int32

    /// Takes `<dir>/orchestrator.lock` (flock, not inherited by children) and writes our pid into it; when another
    /// process holds it: `Data directory <dir> is in use by process <pid>`.
    init(dir: String) throws {
        let path = (dir.hasSuffix("/") ? dir : dir + "/") + "orchestrator.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StartupError("Cannot open \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = TextFile.read(path, limit: 32)?.trimmed ?? ""
            close(fd)
            throw StartupError("Data directory \(dir) is in use by process \(holder.isEmpty ? "unknown" : holder)")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.fd = fd
    }

    func release() { close(fd) }
}

/// A claim on a listen address among Orchestrator processes: a Unix socket bound in the abstract namespace under a
/// name made from the address, which the kernel frees when the process exits. Binding is atomic, so of two
/// processes starting at once exactly one gets it.
final class ListenAddressLock: Sendable {
    private let fd: Int32

    init(host: String, port: Int) throws {
        let name = "orchestrator-listen:\(ListenAddressLock.numeric(host)):\(port)"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw StartupError("Cannot create a socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8.prefix(MemoryLayout.size(ofValue: addr.sun_path) - 1))
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw[0] = 0   // abstract namespace: a leading NUL, no file
            for (i, b) in bytes.enumerated() { raw[i + 1] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            if code == EADDRINUSE { throw StartupError("Address already in use: \(host):\(port)") }
            throw StartupError("Cannot claim \(host):\(port): \(String(cString: strerror(code)))")
        }
        self.fd = fd
    }

    func release() { close(fd) }

    /// `host` as the numeric address it resolves to, so `localhost` and `127.0.0.1` claim the same name.
    static func numeric(_ host: String) -> String {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &res) == 0, let info = res else { return host }
        defer { freeaddrinfo(res) }
        var buf = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buf, socklen_t(buf.count), nil, 0, NI_NUMERICHOST) == 0 else {
            return host
        }
        return String(cString: buf)
    }
}
