// Base64URLTests: RFC 4648 vectors (unpadded), the URL-safe alphabet, round trips, and rejected input.

import Testing
@testable import Crypto

@Suite struct Base64URLTests {
    /// RFC 4648 §10 vectors, unpadded (the base64url and base64 alphabets agree on these).
    @Test(arguments: [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"),
                      ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")])
    func rfc4648Vectors(plain: String, encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test func usesURLSafeAlphabet() {
        #expect(Base64URL.encode([0xfb, 0xff, 0xbf]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == [0xfb, 0xff, 0xbf])
    }

    @Test func roundTripsEveryLength() {
        let all = [UInt8](0...255)
        for count in 0...64 {
            let input = Array(all.shuffled().prefix(count))
            let encoded = Base64URL.encode(input)
            #expect(encoded.utf8.count == (count * 4 + 2) / 3)
            #expect(Base64URL.decode(encoded) == input, "length \(count)")
        }
    }

    @Test(arguments: ["Z", "Zm9vY", "Zg==", "Zm8=", "Zm+v", "Zm/v", "Zm9v\n", " Zm9v", "Zh", "Zm9", "é"])
    func rejectsInvalid(_ input: String) {
        #expect(Base64URL.decode(input) == nil)
    }
}
