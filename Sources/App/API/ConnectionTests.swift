// Connection tests of integrations (SPEC §8 "Test calls"): run on the work pool, never on an event loop.
import HTTP
import JSON

extension Application {
    func runConnectionTest(type: IntegrationType, config: JSON) -> Response {
        let tester = connectionTester
        return Response.offload {
            let (ok, message) = tester.test(type: type, config: Integrations.strings(config))
            return Response.json(JSON.object([("status", .string(ok ? "success" : "error")), ("message", .string(message))]).bytes)
        }
    }
}
