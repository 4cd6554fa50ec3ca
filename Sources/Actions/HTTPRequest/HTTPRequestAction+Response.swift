// What an HTTP Request step makes of the final response: the success output for 2xx, else the status failure with
// the start of the body (SPEC §3.2), retryable for 408, 429 and 5xx (SPEC §5). Pure.
import Engine
import HTTPClient
import JSON

extension HTTPRequestAction {
    /// How much of an error body the failure message quotes, in Unicode scalars of the UTF-8-decoded body.
    static let quotedBodyScalars = 1000

    /// `{"success":true,"status":…,"data":…}` for 2xx; throws the status failure otherwise.
    static func output(of response: ClientResponse) throws(StepFailure) -> JSON {
        guard (200...299).contains(response.status) else {
            let retryable = response.status == 408 || response.status == 429 || response.status >= 500
            throw StepFailure("\(failurePrefix) with status \(response.status): \(quotedBody(response.body))",
                              retryable: retryable)
        }
        return ["success": true, "status": .int(Int64(response.status)), "data": data(of: response)]
    }

    /// The body as JSON when the content-type mentions application/json and it parses; else as text.
    static func data(of response: ClientResponse) -> JSON {
        if let type = response.header("content-type"), type.lowercased().contains("application/json"),
           let parsed = try? JSON.parse(response.body) {
            return parsed
        }
        return .string(response.text)
    }

    /// The first `quotedBodyScalars` Unicode scalars of the body decoded as UTF-8 (invalid bytes → U+FFFD).
    static func quotedBody(_ body: [UInt8]) -> String {
        // Each scalar (or replacement) takes 1...4 bytes, so decoding this prefix yields at least the scalars we keep.
        let text = String(decoding: body.prefix(4 * quotedBodyScalars), as: UTF8.self)
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.prefix(quotedBodyScalars))
        return String(scalars)
    }
}
