// TokenTests: session-token and API-key shapes (SPEC §0, §9).

import Testing
@testable import Crypto

@Suite struct TokenTests {
    @Test func apiKeyTokenShape() {
        let key = Token.random(prefix: "wfb_", bytes: 24)
        #expect(key.count == 36 && key.hasPrefix("wfb_"))
        #expect(Base64URL.decode(String(key.dropFirst(4)))?.count == 24)
    }

    @Test func sessionTokenShape() {
        let token = Token.random(bytes: 32)
        #expect(token.count == 43)
        #expect(Base64URL.decode(token)?.count == 32)
        #expect(token != Token.random(bytes: 32))
    }
}
