// Base64URL: the URL-safe base64 alphabet of RFC 4648 §5, without padding, for tokens and API keys.
// Thread-safe: pure; the lookup tables are immutable.

/// Unpadded base64url. Decoding is strict: no padding, no whitespace, and unused trailing bits must be zero,
/// so every byte string has exactly one encoding.
public enum Base64URL {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Char → 6-bit value; 0xFF marks a char outside the alphabet.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, char) in alphabet.enumerated() { table[Int(char)] = UInt8(i) }
        return table
    }()

    public static func encode(_ bytes: [UInt8]) -> String {
        guard !bytes.isEmpty else { return "" }
        let count = (bytes.count * 4 + 2) / 3
        return alphabet.withUnsafeBufferPointer { alphabet in
            bytes.withUnsafeBufferPointer { src in
                String(unsafeUninitializedCapacity: count) { out in
                    var i = 0
                    var o = 0
                    while i < src.count {
                        let left = src.count - i   // 1, 2, or 3+ bytes remain
                        let b0 = UInt32(src[i])
                        let b1 = left > 1 ? UInt32(src[i + 1]) : 0
                        let b2 = left > 2 ? UInt32(src[i + 2]) : 0
                        let group = b0 << 16 | b1 << 8 | b2
                        let chars = min(left, 3) + 1
                        for k in 0..<chars {
                            out[o + k] = alphabet[Int(group >> (18 - 6 * UInt32(k)) & 63)]
                        }
                        i += 3
                        o += chars
                    }
                    return o
                }
            }
        }
    }

    /// The bytes of an unpadded base64url string, or nil when `s` is not one.
    public static func decode(_ s: String) -> [UInt8]? {
        let utf8 = s.utf8
        guard utf8.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count * 3 / 4)
        var group: UInt32 = 0
        var bits = 0
        for char in utf8 {
            let value = values[Int(char)]
            guard value != 0xFF else { return nil }
            group = group << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: group >> UInt32(bits)))
                group &= (1 << UInt32(bits)) - 1
            }
        }
        guard group == 0 else { return nil }   // non-canonical: leftover bits set
        return out
    }
}
