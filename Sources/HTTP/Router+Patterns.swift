// Listing the registered route patterns (for metrics labels). Called before the server starts.

extension Router {
    /// Every registered route's pattern (`"GET /health"`), in tree order.
    public var patterns: [String] {
        var out: [String] = []
        func visit(_ node: Node) {
            for r in node.routes { out.append(r.route.pattern) }
            for (_, child) in node.literals { visit(child) }
            if let p = node.param { visit(p.node) }
        }
        visit(root)
        return out
    }
}
