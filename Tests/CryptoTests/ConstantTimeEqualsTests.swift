// ConstantTimeEqualsTests: equal, unequal and different-length inputs.

import Testing
@testable import Crypto

@Suite struct ConstantTimeEqualsTests {
    @Test func constantTimeEqualsCompares() {
        #expect(constantTimeEquals([], []))
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(!constantTimeEquals([], [0]))
    }
}
