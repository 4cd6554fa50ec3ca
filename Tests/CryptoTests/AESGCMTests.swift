// AESGCMTests: McGrew–Viega GCM test cases 13–16 (AES-256), round trips, and tamper detection.

import Testing
@testable import Crypto

@Suite struct AESGCMTests {
    static let zeroKey = [UInt8](repeating: 0, count: 32)
    static let key15 = bytes("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    static let iv15 = bytes("cafebabefacedbaddecaf888")
    static let plaintext15 = bytes("""
        d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
        1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255
        """)
    static let ciphertext15 = bytes("""
        522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
        8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad
        """)

    /// (name, key, iv, plaintext, aad, ciphertext, tag) from "The Galois/Counter Mode of Operation", Appendix B.
    static let vectors: [(String, [UInt8], [UInt8], [UInt8], [UInt8], [UInt8], [UInt8])] = [
        ("13", zeroKey, [UInt8](repeating: 0, count: 12), [], [], [], bytes("530f8afbc74536b9a963b4f1c4cb738b")),
        ("14", zeroKey, [UInt8](repeating: 0, count: 12), [UInt8](repeating: 0, count: 16), [],
         bytes("cea7403d4d606b6e074ec5d3baf39d18"), bytes("d0d1c8a799996bf0265b98b5d48ab919")),
        ("15", key15, iv15, plaintext15, [], ciphertext15, bytes("b094dac5d93471bdec1a502270e3cc6c")),
        ("16", key15, iv15, Array(plaintext15.prefix(60)), bytes("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
         Array(ciphertext15.prefix(60)), bytes("76fc6ece0f4e1768cddf8853bb2d551b")),
    ]

    @Test func gcmSpecVectorsSeal() {
        for (name, key, iv, plaintext, aad, ciphertext, tag) in Self.vectors {
            let sealed = AESGCM.seal(plaintext, key: key, nonce: iv, aad: aad)
            #expect(sealed.ciphertext == ciphertext, "test case \(name)")
            #expect(sealed.tag == tag, "test case \(name)")
        }
    }

    @Test func gcmSpecVectorsOpen() throws {
        for (name, key, iv, plaintext, aad, ciphertext, tag) in Self.vectors {
            let opened = try AESGCM.open(ciphertext: ciphertext, key: key, nonce: iv, tag: tag, aad: aad)
            #expect(opened == plaintext, "test case \(name)")
        }
    }

    @Test func roundTripWithRandomNonce() throws {
        let key = Random.bytes(32)
        let message = Array("{\"apiKey\":\"sk-123\"}".utf8)
        let a = AESGCM.seal(message, key: key, aad: Array("int_1".utf8))
        let b = AESGCM.seal(message, key: key, aad: Array("int_1".utf8))
        #expect(a.nonce.count == 12 && a.tag.count == 16 && a.ciphertext.count == message.count)
        #expect(a.nonce != b.nonce && a.ciphertext != b.ciphertext)
        #expect(try AESGCM.open(ciphertext: a.ciphertext, key: key, nonce: a.nonce, tag: a.tag,
                                aad: Array("int_1".utf8)) == message)
    }

    @Test func emptyPlaintextRoundTrips() throws {
        let key = Random.bytes(32)
        let sealed = AESGCM.seal([], key: key, aad: [])
        #expect(sealed.ciphertext.isEmpty)
        #expect(try AESGCM.open(ciphertext: [], key: key, nonce: sealed.nonce, tag: sealed.tag, aad: []) == [])
    }

    @Test func anyTamperingFailsToOpen() {
        let key = Self.key15, aad = Array("int_abc".utf8)
        let s = AESGCM.seal(Self.plaintext15, key: key, aad: aad)
        func flip(_ bytes: [UInt8], _ index: Int) -> [UInt8] {
            var copy = bytes
            copy[index] ^= 0x01
            return copy
        }
        var wrongKey = key
        wrongKey[31] ^= 0x80
        let attempts: [(String, () throws -> [UInt8])] = [
            ("tag", { try AESGCM.open(ciphertext: s.ciphertext, key: key, nonce: s.nonce, tag: flip(s.tag, 15), aad: aad) }),
            ("ciphertext", { try AESGCM.open(ciphertext: flip(s.ciphertext, 0), key: key, nonce: s.nonce, tag: s.tag, aad: aad) }),
            ("nonce", { try AESGCM.open(ciphertext: s.ciphertext, key: key, nonce: flip(s.nonce, 5), tag: s.tag, aad: aad) }),
            ("aad", { try AESGCM.open(ciphertext: s.ciphertext, key: key, nonce: s.nonce, tag: s.tag, aad: Array("int_abd".utf8)) }),
            ("no aad", { try AESGCM.open(ciphertext: s.ciphertext, key: key, nonce: s.nonce, tag: s.tag, aad: []) }),
            ("key", { try AESGCM.open(ciphertext: s.ciphertext, key: wrongKey, nonce: s.nonce, tag: s.tag, aad: aad) }),
            ("truncated", { try AESGCM.open(ciphertext: Array(s.ciphertext.dropLast()), key: key, nonce: s.nonce, tag: s.tag, aad: aad) }),
            ("short tag", { try AESGCM.open(ciphertext: s.ciphertext, key: key, nonce: s.nonce, tag: Array(s.tag.prefix(12)), aad: aad) }),
            ("short key", { try AESGCM.open(ciphertext: s.ciphertext, key: Array(key.prefix(16)), nonce: s.nonce, tag: s.tag, aad: aad) }),
            ("long nonce", { try AESGCM.open(ciphertext: s.ciphertext, key: key, nonce: s.nonce + [0], tag: s.tag, aad: aad) }),
        ]
        for (what, attempt) in attempts {
            #expect(throws: CryptoError.self, "tampered \(what)") { _ = try attempt() }
        }
    }

    @Test func authenticationFailureMessage() {
        let s = AESGCM.seal([1, 2, 3], key: Self.zeroKey, aad: [])
        #expect(throws: CryptoError("AES-GCM: authentication failed")) {
            _ = try AESGCM.open(ciphertext: s.ciphertext, key: Self.zeroKey, nonce: s.nonce, tag: s.tag, aad: [9])
        }
    }
}
