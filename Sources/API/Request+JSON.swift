// Decoding request bodies per SPEC §0: Content-Type check (415), JSON parse (400), object required (400).
// Pure functions over the request; run on whichever thread handles it.
import Domain
import HTTP
import HTTPCore
import System
import JSON

extension Request {
    /// The body as a JSON object. `optional`: an empty body counts as `{}` ("body optional" routes).
    func jsonObject(optional: Bool = false) throws(AppError) -> JSON {
        if body.isEmpty {
            if optional { return .object([]) }
            throw AppError.badRequest("Invalid JSON body")
        }
        guard Request.isJSONContentType(headers["content-type"]) else {
            throw AppError.unsupportedMediaType("Content-Type must be application/json")
        }
        let value: JSON
        do {
            value = try JSON.parse(body)
        } catch {
            throw AppError.badRequest("Invalid JSON body")
        }
        guard value.isObject else { throw AppError.badRequest("Request body must be a JSON object") }
        return value
    }

    /// `application/json`, any case, parameters allowed.
    static func isJSONContentType(_ value: String?) -> Bool {
        guard let value else { return false }
        let media = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return media.trimmingSpaces().lowercased() == "application/json"
    }
}
