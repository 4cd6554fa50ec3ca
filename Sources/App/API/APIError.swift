// The one error type handlers throw, and the one place it becomes a status, headers and `{"error": message}`.
import HTTP

/// An error with the exact message the spec gives.
public enum APIError: Error, Equatable, Sendable {
    case badRequest(String)
    case unauthorized(String)
    case forbidden(String)
    case notFound(String)
    case conflict(String)
    case payloadTooLarge(String)
    case unsupportedMediaType(String)
    case tooManyRequests(String, retryAfter: Int)
    case unavailable(String)
    case internalError(String)

    /// The client-facing message.
    var message: String {
        switch self {
        case .badRequest(let m), .unauthorized(let m), .forbidden(let m), .notFound(let m), .conflict(let m),
             .payloadTooLarge(let m), .unsupportedMediaType(let m), .tooManyRequests(let m, _), .unavailable(let m):
            m
        case .internalError: "Internal server error"
        }
    }

    var response: Response {
        switch self {
        case .badRequest(let m): Response.error(.badRequest, m)
        case .unauthorized(let m): Response.error(.unauthorized, m)
        case .forbidden(let m): Response.error(.forbidden, m)
        case .notFound(let m): Response.error(.notFound, m)
        case .conflict(let m): Response.error(.conflict, m)
        case .payloadTooLarge(let m): Response.error(.payloadTooLarge, m)
        case .unsupportedMediaType(let m): Response.error(.unsupportedMediaType, m)
        case .tooManyRequests(let m, let retry): Response.error(.tooManyRequests, m, headers: [("Retry-After", String(retry))])
        case .unavailable(let m): Response.error(.serviceUnavailable, m)
        case .internalError: Response.error(.internalServerError, "Internal server error")
        }
    }
}
