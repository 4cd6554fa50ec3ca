// One `{{@<node-id>:<label>[.path]}}` reference and the scanner for its grammar (SPEC §4.1), shared by template
// rendering, the Condition lexer and id rewriting. Pure; any thread.

/// A template found in a string: `{{@n2:Find Issues.data.items[0]}}`.
public struct TemplateReference: Sendable, Equatable {
    /// The node id between `@` and `:`; never empty, holds no `:` or `}`.
    public let nodeID: String
    /// Display text up to the first `.`; not used for lookup.
    public let label: String
    /// The path after the label, in order (`.0` and `[0]` both give the segment "0").
    public let path: [String]
    /// The path as written after the label's `.` (`data.items[0]`), or "" without a path.
    public let pathText: String
    /// Where the whole `{{…}}` sits in the scanned string.
    public let range: Range<String.Index>

    /// Label and path as written (`Find Issues.data.items[0]`): the key of a Condition's logged `values`.
    public var labelPath: String { pathText.isEmpty ? label : label + "." + pathText }

    /// The reference as written, `{{@…}}`.
    public var text: String { "{{@" + nodeID + ":" + labelPath + "}}" }
}

extension TemplateReference {
    /// The template starting exactly at `start` in `scalars`, or nil when the text there is not one.
    /// Grammar: `"{{@" node-id ":" label [ "." segment { "." segment | "[" digits "]" } ] "}}"`, where a `.` segment is
    /// one or more scalars other than `.`, `[`, `]`, `{` and `}`.
    static func scan(_ scalars: String.UnicodeScalarView, at start: String.Index) -> TemplateReference? {
        var i = start
        for expected in "{{@".unicodeScalars {
            guard i < scalars.endIndex, scalars[i] == expected else { return nil }
            i = scalars.index(after: i)
        }
        let idStart = i
        while i < scalars.endIndex, scalars[i] != ":" {
            if scalars[i] == "}" { return nil }
            i = scalars.index(after: i)
        }
        guard i < scalars.endIndex, i > idStart else { return nil }
        let nodeID = String(scalars[idStart..<i])
        i = scalars.index(after: i)
        let labelStart = i
        while i < scalars.endIndex, scalars[i] != ".", scalars[i] != "}" { i = scalars.index(after: i) }
        guard i < scalars.endIndex else { return nil }
        let label = String(scalars[labelStart..<i])
        var path: [String] = []
        var pathStart = i
        if scalars[i] == "." {
            pathStart = scalars.index(after: i)
            while i < scalars.endIndex, scalars[i] != "}" {
                guard let (segment, next) = scanSegment(scalars, at: i, first: path.isEmpty) else { return nil }
                path.append(segment)
                i = next
            }
        }
        let pathEnd = i
        for expected in "}}".unicodeScalars {
            guard i < scalars.endIndex, scalars[i] == expected else { return nil }
            i = scalars.index(after: i)
        }
        return TemplateReference(nodeID: nodeID, label: label, path: path,
                                 pathText: path.isEmpty ? "" : String(scalars[pathStart..<pathEnd]), range: start..<i)
    }

    /// One `.name` or `[digits]` segment at `i` (the first must be a `.` one); the segment and the index after it.
    private static func scanSegment(_ scalars: String.UnicodeScalarView, at start: String.Index,
                                    first: Bool) -> (String, String.Index)? {
        var i = start
        let opener = scalars[i]
        guard opener == "." || (opener == "[" && !first) else { return nil }
        i = scalars.index(after: i)
        let nameStart = i
        if opener == "." {
            while i < scalars.endIndex, !".[]{}".unicodeScalars.contains(scalars[i]) { i = scalars.index(after: i) }
            guard i > nameStart else { return nil }
            return (String(scalars[nameStart..<i]), i)
        }
        while i < scalars.endIndex, ("0"..."9").contains(scalars[i]) { i = scalars.index(after: i) }
        guard i > nameStart, i < scalars.endIndex, scalars[i] == "]" else { return nil }
        return (String(scalars[nameStart..<i]), scalars.index(after: i))
    }
}
