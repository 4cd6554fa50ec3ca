// The one place an error becomes a status, headers and `{"error": message}`. Any thread.
import Domain
import HTTP
import HTTPCore
import System
import Log

extension AppError {
    /// The status SPEC §0 gives this case.
    var status: Status {
        switch self {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .payloadTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .tooManyRequests: .tooManyRequests
        case .unavailable, .busy: .serviceUnavailable
        case .decryptionFailed, .internalError: .internalServerError
        }
    }

    var response: Response {
        if case .tooManyRequests(let m, let retry) = self {
            return Response.error(status, m, headers: [("Retry-After", String(retry))])
        }
        if case .busy = self { return Response.error(status, message, headers: [("Retry-After", "1")]) }
        return Response.error(status, message)
    }
}

enum ErrorResponse {
    /// `error` as a response: an `AppError` by its case (an internal one logged with its detail), anything else a
    /// logged 500 `"Internal server error"`.
    static func response(for error: any Error, logger: Logger) -> Response {
        if let e = error as? AppError {
            if case .internalError(let detail) = e { logger.error("internal error", ["error": .string(detail)]) }
            return e.response
        }
        logger.error("unhandled error", ["error": .string(String(describing: error))])
        return Response.error(.internalServerError, "Internal server error")
    }
}
