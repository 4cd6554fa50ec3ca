// Field accessors over request and config JSON that produce the spec's type-error messages. Pure.
import JSON

extension JSON {
    /// The string at `key`: nil when absent or null; `"<key> must be a string"` for other types.
    public func optionalString(_ key: String) throws(AppError) -> String? {
        switch self[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw AppError.badRequest("\(key) must be a string")
        }
    }
}
