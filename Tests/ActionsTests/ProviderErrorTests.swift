// The provider error detail shared by every provider action: error.message, message, error string, else HTTP <status>.
import JSON
import Testing
@testable import Actions

@Suite struct ProviderErrorTests {
    @Test(arguments: [
        (#"{"error":{"message":"bad key","type":"auth"},"message":"outer"}"#, "bad key"),
        (#"{"message":"Validation Failed","error":"x"}"#, "Validation Failed"),
        (#"{"error":"Unauthorized"}"#, "Unauthorized"),
        (#"{"error":{"code":1}}"#, "HTTP 418"),
        (#"{"message":""}"#, "HTTP 418"),
        ("not json", "HTTP 418"),
        ("", "HTTP 418"),
    ])
    func detail(_ body: String, _ expected: String) {
        #expect(ProviderError.detail(status: 418, body: Array(body.utf8)) == expected)
    }

    @Test func retryRule() {
        #expect([408, 429, 500, 502, 503].allSatisfy(ProviderError.retryable(status:)))
        #expect(![400, 401, 403, 404, 409, 422].contains(where: ProviderError.retryable(status:)))
    }
}
