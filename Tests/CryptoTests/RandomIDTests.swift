// RandomIDTests: id shapes (SPEC §0): prefix, length, alphabet, and uniform coverage.

import Testing
@testable import Crypto

@Suite struct RandomIDTests {
    static let lowerAlphanumerics = Set("0123456789abcdefghijklmnopqrstuvwxyz")
    static let urlSafe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

    @Test(arguments: ["wf_", "exec_", "log_", "int_", "key_", "user_", ""])
    func idHasPrefixAnd21LowerAlphanumerics(prefix: String) {
        let id = RandomID.make(prefix: prefix)
        #expect(id.hasPrefix(prefix))
        let body = id.dropFirst(prefix.count)
        #expect(body.count == 21)
        #expect(body.allSatisfy { Self.lowerAlphanumerics.contains($0) })
    }

    @Test func nodeIDIs21URLSafeChars() {
        for _ in 0..<50 {
            let id = RandomID.nodeID()
            #expect(id.count == 21 && id.allSatisfy { Self.urlSafe.contains($0) })
        }
    }

    /// 2,000 ids use all 36 symbols (the chance that a fair draw misses one is below 1e-20) and do not repeat.
    @Test func idsCoverTheAlphabetAndAreUnique() {
        let ids = (0..<2000).map { _ in RandomID.make(prefix: "wf_") }
        #expect(Set(ids).count == ids.count)
        #expect(Set(ids.flatMap { $0.dropFirst(3) }) == Self.lowerAlphanumerics)
    }
}
