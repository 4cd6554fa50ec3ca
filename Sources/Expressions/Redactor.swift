// Redaction of what gets persisted (SPEC §10): sensitive keys masked, known secret values masked wherever they occur
// inside strings, deep values truncated. Lengths count Unicode scalars. Immutable; any thread.
import JSON

/// Masks sensitive data in log and execution `input`/`output`/`error` before they are stored.
public struct Redactor: Sendable {
    /// Values nested deeper than this (the root is at depth 0) become `"[TRUNCATED]"`.
    public static let maxDepth = 32
    /// Secrets shorter than this many Unicode scalars are ignored.
    public static let minSecretLength = 8
    public static let redacted = "[REDACTED]"
    public static let truncated = "[TRUNCATED]"
    public static let failed = "[REDACTION_ERROR]"

    /// Lower-cased keys that are sensitive as a whole (SPEC §10).
    static let sensitiveKeys: Set<String> = [
        "apikey", "api_key", "key", "password", "passwd", "pwd", "secret", "token", "accesstoken", "access_token",
        "refreshtoken", "refresh_token", "privatekey", "private_key", "databaseurl", "database_url", "connectionstring",
        "connection_string", "fromemail", "from_email", "authorization", "auth", "bearer", "creditcard", "credit_card",
        "cardnumber", "card_number", "cvv", "ssn", "phonenumber", "phone_number", "socialsecurity", "social_security",
    ]
    /// Lower-cased substrings that make a key sensitive: `api[_-]?key`, `token`, `secret`, `password`, `credential`, `auth`.
    static let sensitiveParts = ["apikey", "api_key", "api-key", "token", "secret", "password", "credential", "auth"]
        .map { Array($0.utf8) }

    /// Secrets with their masked forms, longest first so a secret containing another is replaced whole.
    private let secrets: [(bytes: [UInt8], masked: [UInt8])]
    /// Whether some secret starts with this byte: most positions of a string are skipped on one lookup.
    private let startsSecret: [Bool]

    /// Redacts by value with `secrets` (decrypted integration secret fields; callers add a database URL's password).
    /// Values shorter than `minSecretLength` scalars and duplicates are dropped.
    public init(secrets: [String]) {
        var unique = Set<String>()
        let kept = secrets.filter { $0.unicodeScalars.count >= Redactor.minSecretLength && unique.insert($0).inserted }
            .sorted { $0.utf8.count != $1.utf8.count ? $0.utf8.count > $1.utf8.count : $0 < $1 }
        self.secrets = kept.map { (Array($0.utf8), Array(Redactor.mask($0).utf8)) }
        var starts = [Bool](repeating: false, count: 256)
        for s in self.secrets { starts[Int(s.bytes[0])] = true }
        startsSecret = starts
    }

    /// `value` with sensitive keys masked, secrets masked inside every string (keys untouched), and values deeper
    /// than `maxDepth` truncated.
    public func redact(_ value: JSON) -> JSON {
        redact(value, depth: 0, sensitive: false)
    }

    /// `text` (an error message, say) with every secret occurrence masked.
    public func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var changed = false
        var i = 0
        scan: while i < bytes.count {
            if startsSecret[Int(bytes[i])] {
                for s in secrets where bytes.count - i >= s.bytes.count && bytes[i..<i + s.bytes.count].elementsEqual(s.bytes) {
                    if !changed {
                        out.reserveCapacity(bytes.count)
                        out.append(contentsOf: bytes[..<i])
                        changed = true
                    }
                    out.append(contentsOf: s.masked)
                    i += s.bytes.count
                    continue scan
                }
            }
            if changed { out.append(bytes[i]) }
            i += 1
        }
        guard changed else { return text }
        // Whole secrets are swapped for ASCII, so the bytes stay valid UTF-8; should that ever fail, store the marker.
        return String(validating: out, as: UTF8.self) ?? Redactor.failed
    }

    /// Whether a key is sensitive: an exact (case-insensitive) entry of `sensitiveKeys`, or contains a sensitive part.
    public static func isSensitive(key: String) -> Bool {
        let lower = key.lowercased()
        if sensitiveKeys.contains(lower) { return true }
        let bytes = Array(lower.utf8)
        return sensitiveParts.contains { TextSearch.firstMatch(of: $0, in: bytes) != nil }
    }

    /// The mask of a sensitive string: "" → "[REDACTED]"; up to 4 scalars → "****"; else `*` × min(8, n − 4) and the
    /// last 4 scalars (`"xoxb-123456789"` → `"********6789"`).
    public static func mask(_ s: String) -> String {
        let n = s.unicodeScalars.count
        if n == 0 { return redacted }
        if n <= 4 { return "****" }
        return String(repeating: "*", count: min(8, n - 4)) + String(String.UnicodeScalarView(s.unicodeScalars.suffix(4)))
    }

    private func redact(_ value: JSON, depth: Int, sensitive: Bool) -> JSON {
        if depth > Redactor.maxDepth { return .string(Redactor.truncated) }
        if sensitive {
            guard case .string(let s) = value else { return .string(Redactor.redacted) }
            return .string(Redactor.mask(s))
        }
        switch value {
        case .string(let s):
            return .string(redact(s))
        case .array(let items):
            return .array(items.map { redact($0, depth: depth + 1, sensitive: false) })
        case .object(let members):
            return .object(members.map { m in
                (m.key, redact(m.value, depth: depth + 1, sensitive: Redactor.isSensitive(key: m.key)))
            })
        case .null, .bool, .int, .double:
            return value
        }
    }
}
