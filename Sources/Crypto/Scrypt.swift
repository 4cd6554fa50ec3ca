// Scrypt: the scrypt key-derivation function (RFC 7914) through EVP_PBE_scrypt.
// Thread-safe: stateless; each call allocates its own work memory (up to `maxMemory`).

import COpenSSL

/// scrypt key derivation. Used for password hashing; see `PasswordHash` for the stored format.
public enum Scrypt {
    /// Derives `length` bytes. Throws when OpenSSL rejects the parameters, e.g. when 128·r·N·p exceeds `maxMemory`
    /// (OpenSSL's own default cap, 32 MiB, is too small for N=2^15, r=8).
    public static func derive(
        password: [UInt8], salt: [UInt8], n: UInt64, r: UInt64, p: UInt64, length: Int,
        maxMemory: UInt64 = 64 * 1024 * 1024
    ) throws(CryptoError) -> [UInt8] {
        guard length > 0 else { throw CryptoError("scrypt: length must be positive") }
        var key = [UInt8](repeating: 0, count: length)
        // EVP_PBE_scrypt treats a nil password or salt as empty.
        let rc = password.withUnsafeBytes { password in
            salt.withUnsafeBufferPointer { salt in
                key.withUnsafeMutableBufferPointer { key in
                    EVP_PBE_scrypt(
                        password.baseAddress?.assumingMemoryBound(to: CChar.self), password.count,
                        salt.baseAddress, salt.count, n, r, p, maxMemory, key.baseAddress, key.count)
                }
            }
        }
        guard rc == 1 else { throw CryptoError.openssl("EVP_PBE_scrypt") }
        return key
    }
}
