// Streaming gzip/zlib decoding of a response body through zlib's inflate, with a cap on the decoded size.
// One instance per response, used on the calling thread.
import CZlib

/// Inflates `Content-Encoding: gzip` (or zlib-wrapped deflate) bodies piece by piece. Concatenated gzip members are
/// decoded one after another.
final class GzipDecoder {
    private let stream: UnsafeMutablePointer<z_stream>
    private let limit: Int
    private var produced = 0
    /// True after the end of a gzip member, with no further input since.
    private(set) var atStreamEnd = false

    /// - Parameter limit: the most decoded bytes allowed; more throws `.tooLarge`.
    init(limit: Int) throws(ClientError) {
        self.limit = limit
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 32: the largest window, with automatic gzip/zlib header detection.
        guard czlib_inflateInit2(stream, 15 + 32) == Z_OK else {
            stream.deallocate()
            throw .protocolError("inflateInit2 failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Decodes `input` and returns what it produced (possibly nothing yet).
    func decode(_ input: [UInt8]) throws(ClientError) -> [UInt8] {
        var output: [UInt8] = []
        var out = [UInt8](repeating: 0, count: 32768)
        var offset = 0
        var outputFull = false
        // Runs while input remains, and again while inflate filled the whole output buffer (it may hold more back).
        while offset < input.count || outputFull {
            if atStreamEnd {
                // Bytes after a gzip member: another member, or padding some servers add, which is ignored.
                guard input[offset] == 0x1F, inflateReset(stream) == Z_OK else { return output }
                atStreamEnd = false
            }
            let (rc, consumed, made) = input.withUnsafeBytes { inBuf in
                out.withUnsafeMutableBytes { outBuf in
                    let base = inBuf.baseAddress.map { $0.assumingMemoryBound(to: Bytef.self) + offset }
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: base)
                    stream.pointee.avail_in = uInt(inBuf.count - offset)
                    stream.pointee.next_out = outBuf.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = uInt(outBuf.count)
                    let rc = inflate(stream, Z_NO_FLUSH)
                    return (rc, inBuf.count - offset - Int(stream.pointee.avail_in), outBuf.count - Int(stream.pointee.avail_out))
                }
            }
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
            offset += consumed
            produced += made
            if produced > limit { throw .tooLarge(limit: limit) }
            output.append(contentsOf: out[0..<made])
            outputFull = made == out.count
            switch rc {
            case Z_OK:
                continue
            case Z_STREAM_END:
                atStreamEnd = true
                outputFull = false
            case Z_BUF_ERROR:
                return output   // no progress possible: needs more input
            default:
                throw .protocolError("invalid gzip body")
            }
        }
        return output
    }

    /// Checks that the body ended at the end of a gzip member.
    func finish() throws(ClientError) {
        if !atStreamEnd { throw .protocolError("truncated gzip body") }
    }
}
