// constantTimeEquals: byte comparison whose time does not depend on where inputs differ (CRYPTO_memcmp).
// Thread-safe: pure.

import COpenSSL

/// True when `a` and `b` hold the same bytes. Time depends only on the length; different lengths are unequal
/// at once (lengths here are public: digests, keys, tags).
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    return a.withUnsafeBytes { a in
        b.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
    }
}
