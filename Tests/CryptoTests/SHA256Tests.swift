// SHA256Tests: FIPS 180-2 known answers and the String/[UInt8] entry points agreeing.

import Testing
@testable import Crypto

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func fips180Vectors(message: String, expected: String) {
        #expect(SHA256.hex(message) == expected)
        #expect(SHA256.hex(Array(message.utf8)) == expected)
        #expect(SHA256.digest(message) == bytes(expected))
        #expect(SHA256.digest(Array(message.utf8)) == bytes(expected))
    }

    @Test func oneMillionAs() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == expected)
        #expect(SHA256.hex(String(repeating: "a", count: 1_000_000)) == expected)
    }

    @Test func hexIsLowercaseAnd64Chars() {
        let hex = SHA256.hex("wfb_aB3cD4eFgHiJkLmNoPqRsTuVwXyZ0123")
        #expect(hex.utf8.count == 64)
        #expect(hex.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func nonASCIIStringHashesItsUTF8() {
        #expect(SHA256.hex("héllo ✓") == SHA256.hex(Array("héllo ✓".utf8)))
    }
}
