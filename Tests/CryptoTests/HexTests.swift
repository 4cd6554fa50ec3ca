// HexTests: round trips, case handling, and rejected input.

import Testing
@testable import Crypto

@Suite struct HexTests {
    @Test func encodesLowercase() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0x01, 0xab, 0xff, 0x10]) == "0001abff10")
    }

    @Test func decodesEitherCase() {
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("0001abff10") == [0x00, 0x01, 0xab, 0xff, 0x10])
        #expect(Hex.decode("ABFF") == [0xab, 0xff])
    }

    @Test func roundTripsEveryByte() {
        let all = [UInt8](0...255)
        #expect(Hex.decode(Hex.encode(all)) == all)
    }

    @Test(arguments: ["0", "abc", "0g", "zz", " 00", "00 ", "0x00", "é0", "+1"])
    func rejectsInvalid(_ input: String) {
        #expect(Hex.decode(input) == nil)
    }
}
