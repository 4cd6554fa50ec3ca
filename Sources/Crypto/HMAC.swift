// HMAC: HMAC-SHA256 through the OpenSSL 3 EVP_MAC API, with the EVP_MAC fetched once.
// Thread-safe: each call owns its EVP_MAC_CTX; the fetched EVP_MAC is immutable and shared.

import COpenSSL

/// Keyed message authentication (RFC 2104).
public enum HMAC {
    // EVP_MAC_fetch(3): fetched algorithms are read-only and may be shared between threads. Never freed.
    nonisolated(unsafe) private static let mac: OpaquePointer = {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { CryptoError.fatal("EVP_MAC_fetch(HMAC)") }
        return mac
    }()

    /// The 32-byte HMAC-SHA256 of `message` under `key` (any length, including empty).
    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        guard let ctx = EVP_MAC_CTX_new(mac) else { CryptoError.fatal("EVP_MAC_CTX_new") }
        defer { EVP_MAC_CTX_free(ctx) }

        // OSSL_PARAM keeps the key and value pointers, so both strings must outlive EVP_MAC_init.
        let initialized = OSSL_MAC_PARAM_DIGEST.withCString { name in
            "SHA256".withCString { value in
                var params = [
                    OSSL_PARAM_construct_utf8_string(name, UnsafeMutablePointer(mutating: value), 0),
                    OSSL_PARAM_construct_end(),
                ]
                return key.withUnsafeBufferPointer { key in
                    // A nil key means "reuse the previous key" to EVP_MAC_init, so an empty key needs a real pointer.
                    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { empty in
                        EVP_MAC_init(ctx, key.baseAddress ?? UnsafePointer(empty.baseAddress!), key.count, &params)
                    }
                }
            }
        }
        guard initialized == 1 else { CryptoError.fatal("EVP_MAC_init(HMAC-SHA256)") }

        let updated = message.withUnsafeBufferPointer { message in
            message.isEmpty ? 1 : EVP_MAC_update(ctx, message.baseAddress, message.count)
        }
        guard updated == 1 else { CryptoError.fatal("EVP_MAC_update") }

        return [UInt8](unsafeUninitializedCapacity: SHA256.byteCount) { out, initialized in
            var written = 0
            guard EVP_MAC_final(ctx, out.baseAddress, &written, out.count) == 1, written == SHA256.byteCount else {
                CryptoError.fatal("EVP_MAC_final")
            }
            initialized = written
        }
    }
}
