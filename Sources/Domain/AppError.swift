// The one error type of the layers above Store: each case is one of SPEC §0's statuses and carries the exact message
// the spec gives. `API/ErrorResponse.swift` is the only place it becomes an HTTP response. Values; any thread.

/// An error a client may see, with its message.
public enum AppError: Error, Equatable, Sendable, CustomStringConvertible {
    case badRequest(String)                          // 400
    case unauthorized(String)                        // 401
    case forbidden(String)                           // 403
    case notFound(String)                            // 404
    case conflict(String)                            // 409
    case payloadTooLarge(String)                     // 413
    case unsupportedMediaType(String)                // 415
    case tooManyRequests(String, retryAfter: Int)    // 429 + Retry-After
    case unavailable(String)                         // 503
    /// 503 `"Server busy"` + `Retry-After: 1`: a bounded queue is full (SPEC §0 Limits).
    case busy
    /// 500 with the message shown (SPEC §8: `"Failed to decrypt integration config"`).
    case decryptionFailed
    /// 500: `detail` is logged; the client sees `"Internal server error"`.
    case internalError(String)

    public static let decryptionFailedMessage = "Failed to decrypt integration config"

    /// The client-facing message.
    public var message: String {
        switch self {
        case .badRequest(let m), .unauthorized(let m), .forbidden(let m), .notFound(let m), .conflict(let m),
             .payloadTooLarge(let m), .unsupportedMediaType(let m), .tooManyRequests(let m, _), .unavailable(let m):
            m
        case .busy: "Server busy"
        case .decryptionFailed: AppError.decryptionFailedMessage
        case .internalError: "Internal server error"
        }
    }

    public var description: String {
        if case .internalError(let detail) = self { return detail }
        return message
    }

    /// `error` as an AppError: itself, or an internal error carrying its description (a store or system failure).
    public static func from(_ error: any Error) -> AppError {
        if let e = error as? AppError { return e }
        return .internalError(String(describing: error))
    }
}
