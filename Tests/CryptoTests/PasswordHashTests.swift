// PasswordHashTests: the stored format (SPEC §1), verify right/wrong/malformed, and the dummy verify.

import Testing
@testable import Crypto

@Suite struct PasswordHashTests {
    /// One hash shared by the tests below: each scrypt at N=2^15 costs ~100 ms.
    static let stored = try! PasswordHash.hash("correct horse battery")

    @Test func formatIsScryptWithParametersSaltAndKey() {
        let parts = Self.stored.split(separator: "$", omittingEmptySubsequences: false)
        #expect(parts.count == 6)
        #expect(parts[0...3] == ["scrypt", "32768", "8", "1"])
        #expect(parts[4].count == 32 && parts[5].count == 128)
        #expect((parts[4] + parts[5]).allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func rightPasswordVerifies() {
        #expect(PasswordHash.verify("correct horse battery", against: Self.stored))
    }

    @Test func wrongPasswordFails() {
        #expect(!PasswordHash.verify("correct horse batterx", against: Self.stored))
        #expect(!PasswordHash.verify("", against: Self.stored))
    }

    @Test func saltIsFreshEachTime() throws {
        let a = try PasswordHash.hash("same"), b = try PasswordHash.hash("same")
        #expect(a != b)
        #expect(PasswordHash.verify("same", against: a) && PasswordHash.verify("same", against: b))
    }

    @Test func unicodePasswordRoundTrips() throws {
        let stored = try PasswordHash.hash("pässwörd ✓ 密码")
        #expect(PasswordHash.verify("pässwörd ✓ 密码", against: stored))
        #expect(!PasswordHash.verify("passwörd ✓ 密码", against: stored))
    }

    /// A hash of "password" made outside this module (Python's hashlib.scrypt, same parameters, salt 00..0f).
    @Test func verifiesAnExternallyMadeHash() {
        let stored = "scrypt$32768$8$1$000102030405060708090a0b0c0d0e0f$"
            + "2bf82378f6c4c5f8c13d9eb323452f9e37a06291fc00b2f5afae8fcad22f33e3"
            + "33e9ff602d9ffecf58d7d2ecc6b8c3223e562c59b3f019a28d1b4a0ae486e1d4"
        #expect(PasswordHash.verify("password", against: stored))
        #expect(!PasswordHash.verify("Password", against: stored))
    }

    @Test(arguments: [
        "",
        "scrypt",
        "bcrypt$32768$8$1$00112233445566778899aabbccddeeff$" + String(repeating: "ab", count: 64),
        "scrypt$32768$8$1$00112233445566778899aabbccddeeff",                                  // no key
        "scrypt$32768$8$1$00112233445566778899aabbccddeeff$" + String(repeating: "ab", count: 64) + "$x",
        "scrypt$32767$8$1$00112233445566778899aabbccddeeff$" + String(repeating: "ab", count: 64),   // N not 2^k
        "scrypt$x$8$1$00112233445566778899aabbccddeeff$" + String(repeating: "ab", count: 64),
        "scrypt$32768$0$1$00112233445566778899aabbccddeeff$" + String(repeating: "ab", count: 64),
        "scrypt$32768$8$1$$" + String(repeating: "ab", count: 64),                             // empty salt
        "scrypt$32768$8$1$0011223344556677889$" + String(repeating: "ab", count: 64),          // odd hex
        "scrypt$32768$8$1$00112233445566778899aabbccddeezz$" + String(repeating: "ab", count: 64),
        "scrypt$32768$8$1$00112233445566778899aabbccddeeff$abcd",                              // key too short
        "scrypt$4294967296$8$1$00112233445566778899aabbccddeeff$" + String(repeating: "ab", count: 64),
    ])
    func malformedStoredStringFails(stored: String) {
        #expect(!PasswordHash.verify("password", against: stored))
    }

    @Test func dummyVerifyRuns() {
        PasswordHash.dummyVerify("anything")
    }
}
