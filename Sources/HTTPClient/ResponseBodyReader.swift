// Reads one response body off a connection in its framing (none, Content-Length, chunked, until close), yielding the
// raw (still content-encoded) bytes piece by piece. Used on the calling thread, with the connection it reads from.
import HTTPCore

/// How the end of a response body is found (RFC 9112 §6.3).
enum ResponseFraming: Equatable, Sendable {
    case none
    case length(Int)
    case chunked
    case untilClose

    /// The framing of the response to `method` with `head`; throws for a malformed Content-Length.
    static func of(_ head: ResponseHead, method: String) throws(ClientError) -> ResponseFraming {
        if method == "HEAD" || head.status == 204 || head.status == 304 || head.status < 200 { return .none }
        let codings = head.tokens("transfer-encoding")
        if !codings.isEmpty {
            return codings.last == "chunked" ? .chunked : .untilClose
        }
        let lengths = head.headers.filter { $0.0.lowercased() == "content-length" }
            .flatMap { $0.1.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingASCIISpaces } }
        guard let first = lengths.first else { return .untilClose }
        guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
              first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(first) else {
            throw .protocolError("invalid Content-Length")
        }
        return .length(n)
    }
}

/// Pulls a body's raw bytes from `connection.buffer`, reading more as needed.
struct ResponseBodyReader {
    private(set) var framing: ResponseFraming
    private var remaining: Int
    private var decoder = ChunkedDecoder()
    private(set) var isComplete: Bool
    /// Raw bytes this body may still bring; past it the read fails with `.tooLarge`.
    private var budget: Int
    private let limit: Int

    init(framing: ResponseFraming, limit: Int) {
        self.framing = framing
        self.limit = limit
        budget = limit
        isComplete = framing == .none
        if case .length(let n) = framing { remaining = n } else { remaining = 0 }
        if remaining == 0 && framing == .length(0) { isComplete = true }
    }

    /// The next piece of the body, or nil once it is complete.
    mutating func next(from connection: ClientConnection, deadline: Deadline, cancel: CancelToken?) throws(ClientError) -> [UInt8]? {
        if case .length(let n) = framing, n > limit { throw .tooLarge(limit: limit) }
        while !isComplete {
            if connection.buffer.isEmpty {
                if try !connection.fill(deadline: deadline, cancel: cancel) {
                    guard framing == .untilClose else { throw .network("connection closed before the response body was complete") }
                    isComplete = true
                    return nil
                }
            }
            var piece: [UInt8] = []
            switch framing {
            case .none:
                isComplete = true
            case .length:
                let take = min(remaining, connection.buffer.count)
                piece = Array(connection.buffer[0..<take])
                connection.buffer.removeFirst(take)
                remaining -= take
                isComplete = remaining == 0
            case .untilClose:
                piece = connection.buffer
                connection.buffer.removeAll(keepingCapacity: true)
            case .chunked:
                let result = connection.buffer.withUnsafeBytes { decoder.decode($0, into: &piece, limit: budget) }
                switch result {
                case .needMore:
                    connection.buffer.removeAll(keepingCapacity: true)
                case .done(let consumed):
                    connection.buffer.removeFirst(consumed)
                    isComplete = true
                case .invalid(let status):
                    if status.code == 413 { throw .tooLarge(limit: limit) }
                    throw .protocolError("invalid chunked encoding")
                }
            }
            budget -= piece.count
            if budget < 0 { throw .tooLarge(limit: limit) }
            if !piece.isEmpty { return piece }
        }
        return nil
    }
}
