// The "HTTP Request" action (SPEC §3.2): one call to the configured endpoint, its 2xx answer as the step's output.
// Stateless; runs on a step slot and blocks there for the call.
import Engine
import Expressions
import HTTPClient
import JSON

/// Sends `<httpMethod> <endpoint>` with `httpHeaders` and `httpBody`; succeeds on 2xx with
/// `{"success":true,"status":<int>,"data":<JSON or text>}`.
public struct HTTPRequestAction: Action {
    /// Every failure message starts with this (SPEC §3.2).
    static let failurePrefix = "HTTP request failed"

    let client: HTTPClient

    public init(client: HTTPClient) {
        self.client = client
    }

    /// A string `httpBody` reaches the action unrendered (the engine leaves it out): a JSON-looking one is parsed first
    /// and its strings templated as values, so inserted text is JSON-escaped (SPEC §3.2, §4.1); other text is
    /// templated as text.
    public func run(_ step: StepContext) throws(StepFailure) -> JSON {
        let outputs = step.outputs
        let request = try HTTPRequestConfig(step.config, templateJSONBody: { Template.renderJSONValues($0, outputs: outputs) },
                                            templateText: { Template.render($0, outputs: outputs) }).clientRequest()
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
