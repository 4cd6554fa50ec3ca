// The "HTTP Request" action (SPEC §3.2): one call to the configured endpoint, its 2xx answer as the step's output.
// Stateless; runs on a step slot and blocks there for the call.
import Engine
import HTTPClient
import JSON

/// Sends `<httpMethod> <endpoint>` with `httpHeaders` and `httpBody`; succeeds on 2xx with
/// `{"success":true,"status":<int>,"data":<JSON or text>}`.
public struct HTTPRequestAction: Action {
    /// Every failure message starts with this (SPEC §3.2).
    static let failurePrefix = "HTTP request failed"

    let client: HTTPClient
    /// Applied to the value parsed from a JSON-looking string `httpBody` before it is sent; the seam where templates are
    /// resolved inside its strings, so inserted text is JSON-escaped (SPEC §3.2, §4.1). Identity until templates land.
    let templateJSONBody: @Sendable (JSON) -> JSON

    /// - Parameter templateJSONBody: see the property; identity by default.
    public init(client: HTTPClient, templateJSONBody: @escaping @Sendable (JSON) -> JSON = { $0 }) {
        self.client = client
        self.templateJSONBody = templateJSONBody
    }

    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        let request = try HTTPRequestConfig(step.config, templateJSONBody: templateJSONBody).clientRequest()
        let response = try client.send(request, for: step, failurePrefix: HTTPRequestAction.failurePrefix)
        return try HTTPRequestAction.output(of: response)
    }

    /// The config minus `actionType`/`integrationId`, with a string `httpHeaders` holding a JSON object parsed to that
    /// object, so its header names can be redacted (SPEC §5, §10).
    public func logInput(config: JSON) -> JSON {
        var input = StepContext.defaultLogInput(config)
        if case .string(let text)? = input["httpHeaders"], let object = HTTPRequestConfig.parseObject(text) {
            input.set("httpHeaders", object)
        }
        return input
    }
}
