// Listening sockets: socket/bind/listen with SO_REUSEPORT so every event loop accepts on its own socket for one port.
import System
import CLinux
#if canImport(Glibc)
import Glibc
#endif

enum Listener {
    /// Opens a non-blocking listening socket on host:port; port 0 picks one. Returns the fd and the bound port.
    static func open(host: String, port: Int, backlog: Int32 = 4096) throws(SystemError) -> (fd: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let info = res else { throw SystemError(call: "getaddrinfo", code: rc == EAI_SYSTEM ? errno : EINVAL) }
        defer { freeaddrinfo(res) }
        guard let fd = try sys("socket", { socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0) }) else {
            throw SystemError(call: "socket", code: EAGAIN)
        }
        FD.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        FD.setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1)
        do {
            _ = try sys("bind") { bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) }
            _ = try sys("listen") { listen(fd, backlog) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        var addr = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let bound: Int
        if Int32(addr.ss_family) == AF_INET6 {
            bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) } }
        } else {
            bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) } }
        }
        return (fd, bound)
    }
}
