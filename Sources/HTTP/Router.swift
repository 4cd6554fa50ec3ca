// Routing (SPEC §0): METHOD + path pattern with `{param}` segments; static segments beat params; 404, 405 + Allow, 501.
// Built once before the server starts, then read concurrently by every event loop without locks.

/// Handles a request on its connection's event-loop thread. Must not block: slow work answers with a `.deferred` response.
public typealias Handler = @Sendable (inout Request) throws -> Response

/// Which body limit a route uses (values come from `ServerConfig`).
public enum BodyLimit: Sendable {
    case standard, large, webhook
}

/// A route table.
public final class Router: Sendable {
    final class Node: @unchecked Sendable {   // mutated only while routes are registered, before the server starts
        var literals: [(segment: [UInt8], node: Node)] = []
        var param: (name: String, node: Node)?
        var routes: [(method: Method, route: Route)] = []
        var pathHeaders: [(name: String, value: String)] = []
    }

    /// One registered route.
    public struct Route: Sendable {
        public let pattern: String
        public let handler: Handler
        public let bodyLimit: BodyLimit
    }

    /// The outcome of matching a method and a path.
    public enum Match: Sendable {
        case found(Route, parameters: [(name: String, value: String)], pathHeaders: [(name: String, value: String)])
        case methodNotAllowed(allow: String, pathHeaders: [(name: String, value: String)])
        case notFound
    }

    let root = Node()

    public init() {}

    /// Registers `handler` for `method` on `pattern` (e.g. `/api/workflows/{workflowId}`).
    public func add(_ method: Method, _ pattern: String, bodyLimit: BodyLimit = .standard, _ handler: @escaping Handler) {
        let node = self.node(for: pattern)
        precondition(!node.routes.contains { $0.method == method }, "duplicate route \(method.name) \(pattern)")
        node.routes.append((method, Route(pattern: "\(method.name) \(pattern)", handler: handler, bodyLimit: bodyLimit)))
    }

    public func get(_ p: String, _ h: @escaping Handler) { add(.get, p, h) }
    public func post(_ p: String, bodyLimit: BodyLimit = .standard, _ h: @escaping Handler) { add(.post, p, bodyLimit: bodyLimit, h) }
    public func put(_ p: String, _ h: @escaping Handler) { add(.put, p, h) }
    public func patch(_ p: String, bodyLimit: BodyLimit = .standard, _ h: @escaping Handler) { add(.patch, p, bodyLimit: bodyLimit, h) }
    public func delete(_ p: String, _ h: @escaping Handler) { add(.delete, p, h) }
    public func options(_ p: String, _ h: @escaping Handler) { add(.options, p, h) }

    /// Header fields added to every response on `pattern`, errors included (the webhook's CORS headers).
    public func setPathHeaders(_ pattern: String, _ headers: [(name: String, value: String)]) {
        node(for: pattern).pathHeaders = headers
    }

    private func node(for pattern: String) -> Node {
        precondition(pattern.hasPrefix("/"), "pattern must start with /")
        var node = root
        for seg in pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if seg.hasPrefix("{") && seg.hasSuffix("}") {
                let name = String(seg.dropFirst().dropLast())
                if let p = node.param {
                    precondition(p.name == name, "conflicting parameter names at \(pattern)")
                    node = p.node
                } else {
                    let n = Node()
                    node.param = (name, n)
                    node = n
                }
            } else {
                let bytes = Array(seg.utf8)
                if let existing = node.literals.first(where: { $0.segment == bytes }) {
                    node = existing.node
                } else {
                    let n = Node()
                    node.literals.append((bytes, n))
                    node = n
                }
            }
        }
        return node
    }

    /// Matches `method` and `path`. HEAD uses GET's handler when it has none of its own.
    public func match(_ method: Method, _ path: String) -> Match {
        var p = path
        return p.withUTF8 { bytes -> Match in
            guard bytes.count > 0, bytes[0] == UInt8(ascii: "/") else { return .notFound }
            var params: [(name: String, value: String)] = []
            guard let node = Router.walk(root, UnsafeRawBufferPointer(bytes), 1, &params) else { return .notFound }
            if let r = node.routes.first(where: { $0.method == method }) {
                return .found(r.route, parameters: params, pathHeaders: node.pathHeaders)
            }
            if method == .head, let r = node.routes.first(where: { $0.method == .get }) {
                return .found(r.route, parameters: params, pathHeaders: node.pathHeaders)
            }
            var allow: [String] = []
            for r in node.routes {
                allow.append(r.method.name)
                if r.method == .get && !node.routes.contains(where: { $0.method == .head }) { allow.append("HEAD") }
            }
            return .methodNotAllowed(allow: allow.joined(separator: ", "), pathHeaders: node.pathHeaders)
        }
    }

    /// Depth-first: a literal child first, then the parameter child. A node counts only when it has routes.
    private static func walk(_ node: Node, _ path: UnsafeRawBufferPointer, _ start: Int,
                             _ params: inout [(name: String, value: String)]) -> Node? {
        var end = start
        while end < path.count, path[end] != UInt8(ascii: "/") { end += 1 }
        let seg = UnsafeRawBufferPointer(rebasing: path[start..<end])
        let last = end >= path.count
        for (literal, child) in node.literals where literal.withUnsafeBytes({ memcmpEqual($0, seg) }) {
            if last {
                if !child.routes.isEmpty { return child }
            } else if let found = walk(child, path, end + 1, &params) {
                return found
            }
        }
        if let (name, child) = node.param, seg.count > 0 {
            let mark = params.count
            params.append((name, String(decoding: seg, as: UTF8.self)))
            if last {
                if !child.routes.isEmpty { return child }
            } else if let found = walk(child, path, end + 1, &params) {
                return found
            }
            params.removeSubrange(mark...)
        }
        return nil
    }
}
