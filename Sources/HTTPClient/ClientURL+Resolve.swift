// Resolution of a redirect's `Location` against the current URL (RFC 3986 §5.2, with dot-segment removal). Pure.

extension ClientURL {
    /// The absolute URL `reference` names when read relative to `self`; nil when it is not a usable http(s) URL.
    func resolve(_ reference: String) -> ClientURL? {
        let ref = String(reference.trimmingASCIISpaces)
        if ClientURL.hasScheme(ref) { return ClientURL(ref) }   // absolute: only http and https parse
        if ref.hasPrefix("//") { return ClientURL("\(scheme):\(ref)") }
        var rest = Substring(ref)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        if rest.isEmpty { return self }

        let (basePath, _) = ClientURL.split(target)
        let path: String
        let query: Substring?
        let (refPath, refQuery) = ClientURL.split(String(rest))
        if refPath.isEmpty {
            path = basePath
            query = refQuery
        } else if refPath.hasPrefix("/") {
            path = ClientURL.removeDotSegments(refPath)
            query = refQuery
        } else {
            let dir = basePath[...(basePath.lastIndex(of: "/") ?? basePath.startIndex)]
            path = ClientURL.removeDotSegments(String(dir) + refPath)
            query = refQuery
        }
        let encoded = ClientURL.percentEncodeUnsafe(Substring(path + (query.map { "?" + $0 } ?? "")))
        return ClientURL(isTLS: isTLS, host: host, port: port, target: encoded)
    }

    /// True when `ref` starts with `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"` (RFC 3986 §3.1).
    static func hasScheme(_ ref: String) -> Bool {
        guard let first = ref.utf8.first, (first | 0x20) >= 0x61, (first | 0x20) <= 0x7A else { return false }
        for b in ref.utf8.dropFirst() {
            if b == 0x3A { return true }
            let ok = ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2D || b == 0x2E
            if !ok { return false }
        }
        return false
    }

    /// Splits a target into path and query (without the "?"); nil query when there is no "?".
    static func split(_ target: String) -> (String, Substring?) {
        guard let q = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<q]), target[target.index(after: q)...])
    }

    /// RFC 3986 §5.2.4 on an absolute path.
    static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()   // leading "/"
        for (i, segment) in segments.enumerated() {
            let last = i == segments.count - 1
            switch segment {
            case ".":
                if last { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if last { output.append("") }
            default:
                output.append(segment)
            }
        }
        return "/" + output.joined(separator: "/")
    }
}
