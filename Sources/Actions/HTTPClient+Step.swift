// One outbound call made by a step: the step's signal cancels it (closing its socket at once), its timeout bounds it,
// and client errors become step failures (SPEC §3.2 messages, §5 retry rules). Runs on the step's slot, blocking.
import Engine
import HTTPClient

extension HTTPClient {
    /// Sends `request` for `step`, with `step.timeoutMs` as its deadline. A stop of the step's signal cancels the call.
    /// Failures: a timeout → "Step timed out after <n> ms" (retryable); other transport errors →
    /// "<failurePrefix>: <client error text>", retryable unless the request itself is at fault.
    func send(_ request: ClientRequest, for step: StepContext, failurePrefix: String) throws(StepFailure) -> ClientResponse {
        var request = request
        request.timeoutMs = step.timeoutMs
        let token = CancelToken()
        step.signal.onCancel { _ in token.cancel() }
        do {
            return try send(request, cancel: token)
        } catch {
            throw HTTPClient.stepFailure(error, step: step, failurePrefix: failurePrefix)
        }
    }

    /// The step failure for a failed call; the signal's reason wins over what the client saw.
    static func stepFailure(_ error: ClientError, step: StepContext, failurePrefix: String) -> StepFailure {
        let timedOut = StepFailure("Step timed out after \(step.timeoutMs) ms", retryable: true)
        switch step.signal.stopReason {
        case .timeout: return timedOut
        case .cancelled: return StepFailure("Execution cancelled")   // discarded by the engine
        case nil: break
        }
        switch error {
        case .timeout: return timedOut
        case .invalidURL, .invalidRequest, .tooManyRedirects, .tooLarge:
            return StepFailure("\(failurePrefix): \(error)")
        case .cancelled, .dns, .connect, .tls, .network, .protocolError:
            return StepFailure("\(failurePrefix): \(error)", retryable: true)
        }
    }
}
