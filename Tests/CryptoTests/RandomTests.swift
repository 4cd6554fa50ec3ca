// RandomTests: CSPRNG byte counts and freshness.

import Testing
@testable import Crypto

@Suite struct RandomTests {
    @Test func randomBytes() {
        #expect(Random.bytes(0) == [])
        #expect(Random.bytes(64).count == 64)
        #expect(Random.bytes(32) != Random.bytes(32))
    }
}
