// Random: bytes from OpenSSL's CSPRNG (RAND_bytes).
// Thread-safe: OpenSSL 3 keeps a DRBG per thread.

import COpenSSL

/// Cryptographically secure random bytes.
public enum Random {
    /// `count` bytes from RAND_bytes. A CSPRNG failure is not recoverable, so it stops the process.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0 && count <= Int(Int32.max), "Random.bytes: bad count \(count)")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(buffer)
            initialized = count
        }
    }

    /// Fills `buffer` from RAND_bytes.
    static func fill(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        if RAND_bytes(base, Int32(buffer.count)) != 1 { CryptoError.fatal("RAND_bytes") }
    }
}
