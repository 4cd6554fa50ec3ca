// A parsed response status line and header section, and the parser that reads one from caller-owned bytes. Pure; any thread.
import HTTPCore

/// Status, version and headers of one response.
struct ResponseHead: Sendable, Equatable {
    static let maxBytes = 65536
    static let maxFields = 200

    var status: Int
    /// Minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    var minorVersion: Int
    var headers: [(String, String)]

    static func == (a: ResponseHead, b: ResponseHead) -> Bool {
        a.status == b.status && a.minorVersion == b.minorVersion && a.headers.elementsEqual(b.headers) { $0 == $1 }
    }

    func value(_ name: String) -> String? { ResponseHead.value(of: name, in: headers) }

    /// All values of `name`, each split on commas and trimmed, lower-cased: for `Connection` and `Transfer-Encoding`.
    func tokens(_ name: String) -> [String] {
        headers.filter { $0.0.lowercased() == name }.flatMap {
            $0.1.split(separator: ",").map { String($0.trimmingASCIISpaces).lowercased() }
        }
    }

    static func value(of name: String, in headers: [(String, String)]) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }

    enum ParseResult: Equatable {
        case needMore
        case head(ResponseHead, consumed: Int)
        case invalid(String)
    }

    /// Parses a status line and headers from the start of `bytes`. Bare LF line ends are accepted (RFC 9112 §2.2);
    /// obs-fold, missing colons, whitespace before the colon and control characters are not.
    static func parse(_ bytes: ArraySlice<UInt8>) -> ParseResult {
        let magic = "HTTP/".utf8
        guard bytes.prefix(magic.count).elementsEqual(magic.prefix(bytes.count)) else { return .invalid("not an HTTP response") }
        // Find the end of the head: an empty line.
        var end: Int?
        var i = bytes.startIndex
        var lineStart = i
        var lines: [Range<Int>] = []
        while i < bytes.endIndex {
            if bytes[i] == 0x0A {
                var lineEnd = i
                if lineEnd > lineStart && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd == lineStart && !lines.isEmpty {
                    end = i + 1
                    break
                }
                lines.append(lineStart..<lineEnd)
                lineStart = i + 1
                if lines.count > maxFields + 1 { return .invalid("too many header fields") }
            }
            i += 1
            if i - bytes.startIndex > maxBytes { return .invalid("response head larger than \(maxBytes) bytes") }
        }
        guard let end else { return .needMore }
        guard let statusLine = lines.first, var head = parseStatusLine(bytes[statusLine]) else {
            return .invalid("malformed status line")
        }
        for range in lines.dropFirst() {
            guard let field = parseField(bytes[range]) else { return .invalid("malformed header field") }
            head.headers.append(field)
        }
        return .head(head, consumed: end - bytes.startIndex)
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason]`.
    static func parseStatusLine(_ line: ArraySlice<UInt8>) -> ResponseHead? {
        let b = Array(line)
        guard b.count >= 12, b.starts(with: "HTTP/1.".utf8), b[7] == 0x30 || b[7] == 0x31, b[8] == 0x20 else { return nil }
        let digits = b[9..<12]
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), b.count == 12 || b[12] == 0x20 else { return nil }
        let status = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard status >= 100 else { return nil }
        return ResponseHead(status: status, minorVersion: Int(b[7] - 0x30), headers: [])
    }

    /// `token ":" OWS value OWS`.
    static func parseField(_ line: ArraySlice<UInt8>) -> (String, String)? {
        guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else { return nil }
        let name = line[..<colon]
        guard name.allSatisfy(HTTPChar.isTChar) else { return nil }
        var value = line[(colon + 1)...]
        while let f = value.first, f == 0x20 || f == 0x09 { value = value.dropFirst() }
        while let l = value.last, l == 0x20 || l == 0x09 { value = value.dropLast() }
        guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { return nil }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }
}
