// Parsing of absolute http/https URLs into what a request needs (scheme, host, port, request target), and the origin
// that keys the connection pool. Pure; any thread.
#if canImport(Glibc)
import Glibc
#endif

/// Where connections go: (scheme, host, port). Two URLs share keep-alive connections, and `Authorization`
/// survives a redirect, only when their origins are equal.
struct Origin: Hashable, Sendable {
    let isTLS: Bool
    let host: String
    let port: Int
}

/// An absolute http(s) URL, normalized: lower-case scheme and host, explicit port, no fragment, no userinfo.
struct ClientURL: Sendable, Equatable, CustomStringConvertible {
    let isTLS: Bool
    /// The host without IPv6 brackets.
    let host: String
    let port: Int
    /// Path and query, always starting with "/".
    let target: String

    var origin: Origin { Origin(isTLS: isTLS, host: host, port: port) }
    var scheme: String { isTLS ? "https" : "http" }
    var isIPv6: Bool { host.contains(":") }
    var isIPLiteral: Bool { isIPv6 || ClientURL.isIPv4(host) }
    var hasDefaultPort: Bool { port == (isTLS ? 443 : 80) }

    /// `host` or `[v6]`, plus `:port` when it is not the scheme's default: the `Host` header's value.
    var authority: String {
        let h = isIPv6 ? "[\(host)]" : host
        return hasDefaultPort ? h : "\(h):\(port)"
    }

    var description: String { "\(scheme)://\(authority)\(target)" }

    /// Parses `text`; nil when it is not an absolute http(s) URL with a valid host, or when it carries userinfo.
    init?(_ text: String) {
        let s = Substring(text.trimmingASCIISpaces)
        guard let colon = s.firstIndex(of: ":") else { return nil }
        switch s[..<colon].lowercased() {
        case "http": isTLS = false
        case "https": isTLS = true
        default: return nil
        }
        let afterScheme = s[s.index(after: colon)...]
        guard afterScheme.hasPrefix("//") else { return nil }
        let rest = afterScheme.dropFirst(2)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" || $0 == "\\" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@") else { return nil }   // userinfo: rejected outright
        guard let (host, port) = ClientURL.parseAuthority(authority, defaultPort: isTLS ? 443 : 80) else { return nil }
        self.host = host
        self.port = port
        var pathAndQuery = rest[authorityEnd...]
        if let hash = pathAndQuery.firstIndex(of: "#") { pathAndQuery = pathAndQuery[..<hash] }
        guard !pathAndQuery.contains("\\") else { return nil }
        let encoded = ClientURL.percentEncodeUnsafe(pathAndQuery)
        target = encoded.hasPrefix("/") ? encoded : "/" + encoded
    }

    init(isTLS: Bool, host: String, port: Int, target: String) {
        self.isTLS = isTLS
        self.host = host
        self.port = port
        self.target = target
    }

    // MARK: - Pieces

    /// `host[:port]` or `[v6][:port]` → lower-cased host without brackets, and the port.
    static func parseAuthority(_ authority: Substring, defaultPort: Int) -> (String, Int)? {
        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portPart = after.dropFirst()
            }
            guard isIPv6(String(hostPart)) else { return nil }
        } else {
            if let c = authority.lastIndex(of: ":") {
                hostPart = authority[..<c]
                portPart = authority[authority.index(after: c)...]
            } else {
                hostPart = authority
            }
            guard isRegName(hostPart) else { return nil }
        }
        var port = defaultPort
        if let p = portPart, !p.isEmpty {
            guard p.count <= 5, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(p), n > 0, n <= 65535 else { return nil }
            port = n
        }
        if hostPart.hasSuffix(".") && hostPart.count > 1 { hostPart = hostPart.dropLast() }
        return (hostPart.lowercased(), port)
    }

    /// A DNS name or dotted IPv4: letters, digits, "-", "_" and ".", no empty labels.
    static func isRegName(_ s: Substring) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        for (i, label) in labels.enumerated() {
            if label.isEmpty { return i == labels.count - 1 && i > 0 }   // one trailing dot is allowed
            guard label.utf8.count <= 63 else { return false }
            for b in label.utf8 {
                let ok = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F
                if !ok { return false }
            }
        }
        return true
    }

    static func isIPv6(_ s: String) -> Bool {
        var addr = in6_addr()
        return inet_pton(AF_INET6, s, &addr) == 1
    }

    static func isIPv4(_ s: String) -> Bool {
        var addr = in_addr()
        return inet_pton(AF_INET, s, &addr) == 1
    }

    /// Percent-encodes bytes that cannot appear in a request line: controls, space, non-ASCII, `"`, `<`, `>`, and backtick.
    static func percentEncodeUnsafe(_ s: Substring) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            if b <= 0x20 || b >= 0x7F || b == 0x22 || b == 0x3C || b == 0x3E || b == 0x60 {
                out += [0x25, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs, CRs and LFs.
    var trimmingASCIISpaces: SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
