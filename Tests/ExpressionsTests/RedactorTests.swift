import JSON
import Testing
@testable import Expressions

@Suite struct RedactorTests {
    @Test(arguments: [
        // The exact list, case-insensitive.
        "apiKey", "API_KEY", "apikey", "key", "Password", "passwd", "pwd", "secret", "token", "accessToken", "access_token",
        "refreshToken", "refresh_token", "privateKey", "private_key", "databaseUrl", "database_url", "connectionString",
        "connection_string", "fromEmail", "from_email", "Authorization", "auth", "bearer", "creditCard", "credit_card",
        "cardNumber", "card_number", "cvv", "SSN", "phoneNumber", "phone_number", "socialSecurity", "social_security",
        // The patterns.
        "x-api-key", "myApiKey", "stripe_api_key", "csrfToken", "TOKENS", "clientSecret", "db_password", "credentials",
        "author", "authorId", "OAuth", "x-auth-header",
    ])
    func sensitiveKeys(_ key: String) {
        #expect(Redactor.isSensitive(key: key))
    }

    @Test(arguments: ["name", "keys", "monkey", "id", "email", "url", "phone", "card", "api", "data", "status", "aut h", ""])
    func ordinaryKeys(_ key: String) {
        #expect(!Redactor.isSensitive(key: key))
    }

    @Test(arguments: [
        ("xoxb-123456789", "********6789"), ("", "[REDACTED]"), ("a", "****"), ("abcd", "****"), ("abcde", "*bcde"),
        ("abcdefghijkl", "********ijkl"), ("abcdefghijklmnopqrstuvwxyz", "********wxyz"), ("ab👋🏽cd", "**👋🏽cd"),
        ("👋🏽👋🏽", "****"),
    ])
    func masks(_ value: String, _ masked: String) {
        #expect(Redactor.mask(value) == masked)
    }

    @Test func redactsByKeyAtAnyDepthAndKeepsOtherValues() {
        let r = Redactor(secrets: [])
        let input: JSON = [
            "token": "xoxb-123456789", "password": "", "pin": 1234, "apiKey": 12345, "secret": ["a": 1],
            "auth": nil, "authorId": true, "name": "Ada",
            "nested": ["list": [["Authorization": "Bearer abcdefgh"], ["ok": 1.5]], "pwd": "abc"],
        ]
        let expected: JSON = [
            "token": "********6789", "password": "[REDACTED]", "pin": 1234, "apiKey": "[REDACTED]", "secret": "[REDACTED]",
            "auth": "[REDACTED]", "authorId": "[REDACTED]", "name": "Ada",
            "nested": ["list": [["Authorization": "********efgh"], ["ok": 1.5]], "pwd": "****"],
        ]
        let out = r.redact(input)
        #expect(out == expected)
        #expect(out.text.hasPrefix(#"{"token":"********6789","password""#))
    }

    @Test func truncatesBelowDepth32() {
        func nest(_ n: Int, _ leaf: JSON) -> JSON { n == 0 ? leaf : .array([nest(n - 1, leaf)]) }
        let r = Redactor(secrets: [])
        #expect(r.redact(nest(32, "leaf")) == nest(32, "leaf"))
        // The root is at depth 0: 32 levels of nesting are kept, the value at depth 33 is truncated.
        #expect(r.redact(nest(33, "leaf")) == nest(33, "[TRUNCATED]"))
        #expect(r.redact(nest(40, ["a": 1])) == nest(33, "[TRUNCATED]"))
        var deep: JSON = "x"
        for _ in 0..<10_000 { deep = ["k": deep] }
        #expect(r.redact(deep).text.contains("[TRUNCATED]"))
    }

    @Test func redactsSecretValuesInsideStringsLongestFirst() {
        let r = Redactor(secrets: ["supersecretvalue", "supersecret", "short", "", "sk_live_ABCDEFGH", "supersecret"])
        let input: JSON = [
            "message": "called with supersecretvalue and supersecret, short stays",
            "supersecret": 1,
            "list": ["x sk_live_ABCDEFGH y", ["deep": "a supersecretsupersecret b"]],
            "n": 5,
        ]
        let expected: JSON = [
            "message": "called with ********alue and *******cret, short stays",
            "supersecret": "[REDACTED]",   // sensitive by key ("secret"), not by value: keys are untouched
            "list": ["x ********EFGH y", ["deep": "a *******cret*******cret b"]],
            "n": 5,
        ]
        #expect(r.redact(input) == expected)
        #expect(r.redact("connect failed: password supersecretvalue rejected")
                == "connect failed: password ********alue rejected")
        #expect(r.redact("nothing here") == "nothing here")
        #expect(r.redact("émoji 👋 supersecret👋") == "émoji 👋 *******cret👋")
    }

    @Test func secretsShorterThan8ScalarsAreIgnored() {
        let r = Redactor(secrets: ["1234567", "👋👋👋👋👋👋👋", "12345678"])
        #expect(r.redact("1234567 👋👋👋👋👋👋👋 12345678") == "1234567 👋👋👋👋👋👋👋 ****5678")
    }
}
