// SHA256: one-shot SHA-256 digests through EVP_Digest with an EVP_MD fetched once.
// Thread-safe: the fetched EVP_MD is immutable and shared; each call uses only its own stack buffers.

import COpenSSL

/// SHA-256 (FIPS 180-4). `hex(_:)` is on the webhook hot path: it fetches nothing and allocates only the result.
public enum SHA256 {
    public static let byteCount = 32

    // EVP_MD_fetch(3): a fetched algorithm is reference counted and read-only, so one may be shared by all threads.
    // Never freed: it lives as long as the process.
    nonisolated(unsafe) private static let md: OpaquePointer = {
        guard let md = EVP_MD_fetch(nil, "SHA256", nil) else { CryptoError.fatal("EVP_MD_fetch(SHA256)") }
        return md
    }()

    public static func digest(_ data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { input in
            [UInt8](unsafeUninitializedCapacity: byteCount) { out, initialized in
                digest(input, into: out.baseAddress!)
                initialized = byteCount
            }
        }
    }

    /// The digest of `s`'s UTF-8 bytes.
    public static func digest(_ s: String) -> [UInt8] {
        var s = s
        return s.withUTF8 { digest(UnsafeRawBufferPointer($0)) }
    }

    /// Lowercase hex of the digest of `data` (64 chars).
    public static func hex(_ data: [UInt8]) -> String {
        data.withUnsafeBytes { hex($0) }
    }

    /// Lowercase hex of the digest of `s`'s UTF-8 bytes (64 chars).
    public static func hex(_ s: String) -> String {
        var s = s   // withUTF8 copies only a non-native (bridged) string
        return s.withUTF8 { hex(UnsafeRawBufferPointer($0)) }
    }

    static func digest(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: byteCount) { out, initialized in
            digest(input, into: out.baseAddress!)
            initialized = byteCount
        }
    }

    static func hex(_ input: UnsafeRawBufferPointer) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: byteCount) { out in
            digest(input, into: out.baseAddress!)
            return Hex.encode(UnsafeBufferPointer(out))
        }
    }

    /// Writes the 32-byte digest of `input` to `out`.
    static func digest(_ input: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) {
        var size: UInt32 = 0
        // EVP_DigestUpdate returns at once for a zero count, so a nil base address is fine for empty input.
        guard EVP_Digest(input.baseAddress, input.count, out, &size, md, nil) == 1, size == byteCount else {
            CryptoError.fatal("EVP_Digest(SHA256)")
        }
    }
}
