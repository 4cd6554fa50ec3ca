// PasswordHashTests: the stored format (SPEC §1), verify right/wrong/malformed, and the dummy verify's cost.

import Testing
@testable import Crypto
#if canImport(Glibc)
import Glibc
#endif

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

    /// CPU time of the calling thread, in nanoseconds: unlike wall time, other load on the machine does not inflate it.
    static func threadCPUNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// The least CPU time of three runs of `body` on this thread.
    static func leastCPUTime(_ body: () -> Void) -> Int64 {
        (0..<3).map { _ in
            let start = threadCPUNanoseconds()
            body()
            return threadCPUNanoseconds() - start
        }.min()!
    }

    /// The dummy verify must do a real scrypt at today's cost, or an unknown user answers faster than a known one.
    /// Measured as thread CPU time (the derivation runs on the calling thread), the least of three runs each; the
    /// bound is loose (a real run costs ~100 ms, a dummy that skipped or failed its derivation well under 1 ms).
    @Test func dummyVerifyCostsAsMuchAsARealVerify() {
        let real = Self.leastCPUTime { _ = PasswordHash.verify("wrong password", against: Self.stored) }
        let dummy = Self.leastCPUTime { PasswordHash.dummyVerify("wrong password") }
        #expect(real > 10_000_000, "a real verify took only \(real) ns of CPU")
        #expect(Double(dummy) >= 0.3 * Double(real), "dummy verify \(dummy) ns of CPU, real verify \(real) ns")
    }
}
