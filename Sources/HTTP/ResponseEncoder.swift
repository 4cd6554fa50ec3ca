// Response bytes: the status line and header fields, chunk framing, the interim 100-continue. Pure: appends to the
// caller's output buffer. Runs on the connection's event-loop thread.
import HTTPCore

/// Encodes a response head and body framing into an output buffer.
enum ResponseEncoder {
    static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    static let lastChunk = Array("0\r\n\r\n".utf8)
    private static let contentLengthName = Array("Content-Length: ".utf8)
    private static let requestIDName = Array("X-Request-Id: ".utf8)
    private static let closeLine = Array("Connection: close\r\n".utf8)
    private static let keepAliveLine = Array("Connection: keep-alive\r\n".utf8)
    private static let chunkedLine = Array("Transfer-Encoding: chunked\r\n".utf8)

    /// Appends the status line, `dateLine`, the response's fields (CR, LF and NUL in values become spaces),
    /// `X-Request-Id`, the framing field and `Connection`, then the empty line.
    /// `contentLength` nil = streamed: `Transfer-Encoding: chunked` when `chunked`, else delimited by closing.
    static func appendHead(_ r: Response, contentLength: Int?, chunked: Bool, keepAlive: Bool, http10: Bool,
                           requestID: String, dateLine: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: r.status.statusLine)
        out.append(contentsOf: dateLine)
        for (name, value) in r.headers {
            out.append(contentsOf: name.utf8)
            out.append(0x3A); out.append(0x20)
            for b in value.utf8 { out.append(b == 0x0D || b == 0x0A || b == 0 ? 0x20 : b) }   // no header injection
            out.append(0x0D); out.append(0x0A)
        }
        out.append(contentsOf: requestIDName)
        out.append(contentsOf: requestID.utf8)
        out.append(0x0D); out.append(0x0A)
        if let contentLength {
            let code = r.status.code
            if code != 204 && code != 304 && code >= 200 {
                out.append(contentsOf: contentLengthName)
                appendDecimal(contentLength, to: &out)
                out.append(0x0D); out.append(0x0A)
            }
        } else if chunked {
            out.append(contentsOf: chunkedLine)
        }
        if !keepAlive {
            out.append(contentsOf: closeLine)
        } else if http10 {
            out.append(contentsOf: keepAliveLine)
        }
        out.append(0x0D); out.append(0x0A)
    }

    /// One chunk of a chunked body: hex size, CRLF, data, CRLF.
    static func appendChunk(_ chunk: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: String(chunk.count, radix: 16).utf8)
        out.append(0x0D); out.append(0x0A)
        out.append(contentsOf: chunk)
        out.append(0x0D); out.append(0x0A)
    }

    static func appendDecimal(_ v: Int, to out: inout [UInt8]) {
        if v < 10 { out.append(UInt8(48 + v)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 { d[n] = UInt8(48 + x % 10); x /= 10; n += 1 }
            while n > 0 { n -= 1; out.append(d[n]) }
        }
    }
}
