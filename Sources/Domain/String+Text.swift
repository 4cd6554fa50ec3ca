// Text rules shared by every layer (SPEC §0: lengths count Unicode scalars; trimming is JavaScript's). Pure.

extension String {
    /// Leading and trailing whitespace removed (Unicode whitespace, as JavaScript's trim).
    public var trimmed: String {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while end > start, scalars[scalars.index(before: end)].properties.isWhitespace { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }

    /// Length in Unicode scalars (SPEC §0: every length limit counts scalars).
    public var scalarCount: Int { unicodeScalars.count }
}

extension Substring {
    /// Spaces and tabs removed at both ends (HTTP's optional whitespace).
    public func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
