// Helpers shared by the Crypto tests: hex literals for published vectors.

@testable import Crypto

/// Bytes from a hex literal; spaces are ignored so vectors can be pasted as printed.
func bytes(_ hex: String) -> [UInt8] {
    guard let decoded = Hex.decode(hex.filter { $0 != " " }) else { preconditionFailure("bad hex literal: \(hex)") }
    return decoded
}
