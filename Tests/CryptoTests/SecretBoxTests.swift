// SecretBoxTests: the `v1:<nonce>:<tag>:<ciphertext>` format (SPEC §8), round trips, and malformed or tampered text.

import Testing
@testable import Crypto

@Suite struct SecretBoxTests {
    static let key = bytes("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    static let config = #"{"apiKey":"xoxb-123","note":"ünïcødé ✓"}"#

    @Test func formatIsV1WithLowercaseHexFields() {
        let sealed = SecretBox.seal(Self.config, key: Self.key, aad: "int_abc")
        let parts = sealed.split(separator: ":", omittingEmptySubsequences: false)
        #expect(parts.count == 4 && parts[0] == "v1")
        #expect(parts[1].count == 24 && parts[2].count == 32 && parts[3].count == 2 * Self.config.utf8.count)
        #expect(parts.dropFirst().allSatisfy { $0.allSatisfy { "0123456789abcdef".contains($0) } })
    }

    @Test func roundTrips() throws {
        for text in [Self.config, "", "x", String(repeating: "long ", count: 1000)] {
            let sealed = SecretBox.seal(text, key: Self.key, aad: "int_abc")
            #expect(try SecretBox.open(sealed, key: Self.key, aad: "int_abc") == text)
        }
    }

    /// A box assembled by hand from AESGCM output with a known nonce, to pin the field order nonce:tag:ciphertext.
    @Test func opensAHandBuiltBox() throws {
        let nonce = [UInt8](repeating: 7, count: 12)
        let sealed = AESGCM.seal(Array("hello".utf8), key: Self.key, nonce: nonce, aad: Array("int_x".utf8))
        let text = "v1:\(Hex.encode(nonce)):\(Hex.encode(sealed.tag)):\(Hex.encode(sealed.ciphertext))"
        #expect(try SecretBox.open(text, key: Self.key, aad: "int_x") == "hello")
    }

    @Test func wrongAADOrKeyThrows() {
        let sealed = SecretBox.seal(Self.config, key: Self.key, aad: "int_abc")
        #expect(throws: CryptoError.self) { _ = try SecretBox.open(sealed, key: Self.key, aad: "int_abd") }
        #expect(throws: CryptoError.self) { _ = try SecretBox.open(sealed, key: Random.bytes(32), aad: "int_abc") }
    }

    @Test func flippedHexDigitInAnyFieldThrows() {
        let sealed = Array(SecretBox.seal(Self.config, key: Self.key, aad: "int_abc").utf8)
        for index in sealed.indices where sealed[index] != UInt8(ascii: ":") && index > 2 {
            var copy = sealed
            copy[index] = copy[index] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            let tampered = String(decoding: copy, as: UTF8.self)
            #expect(throws: CryptoError.self, "digit \(index)") {
                _ = try SecretBox.open(tampered, key: Self.key, aad: "int_abc")
            }
        }
    }

    @Test func malformedStringsThrow() {
        let good = SecretBox.seal("hi", key: Self.key, aad: "a")
        let p = good.split(separator: ":").map(String.init)
        let malformed = [
            "",
            "v1",
            "v1:::",
            "v2:\(p[1]):\(p[2]):\(p[3])",
            "V1:\(p[1]):\(p[2]):\(p[3])",
            "\(p[1]):\(p[2]):\(p[3])",
            "v1:\(p[1]):\(p[2])",
            "v1:\(p[1]):\(p[2]):\(p[3]):",
            "v1:\(p[1].dropLast(2)):\(p[2]):\(p[3])",      // 11-byte nonce
            "v1:\(p[1]):\(p[2].dropLast(2)):\(p[3])",      // 15-byte tag
            "v1:\(p[1])0:\(p[2]):\(p[3])",                 // odd-length hex
            "v1:\(p[1]):\(p[2]):\(p[3].dropLast())g",      // not hex
            "v1:\(p[1]):\(p[2]):",                         // ciphertext removed
            " \(good)",
            "\(good)\n",
        ]
        for text in malformed {
            #expect(throws: CryptoError.self, "\(text)") { _ = try SecretBox.open(text, key: Self.key, aad: "a") }
        }
        #expect((try? SecretBox.open(good, key: Self.key, aad: "a")) == "hi")
    }

    @Test func nonUTF8PlaintextThrows() {
        let sealed = AESGCM.seal([0xff, 0xfe], key: Self.key, aad: [])
        let text = "v1:\(Hex.encode(sealed.nonce)):\(Hex.encode(sealed.tag)):\(Hex.encode(sealed.ciphertext))"
        #expect(throws: CryptoError.self) { _ = try SecretBox.open(text, key: Self.key, aad: "") }
    }
}
