// AESGCM: AES-256-GCM seal and open through EVP_CIPHER_CTX, with a 12-byte nonce and a 16-byte tag.
// Thread-safe: each call owns its EVP_CIPHER_CTX; the fetched EVP_CIPHER is immutable and shared.

import COpenSSL

/// Authenticated encryption with AES-256-GCM (NIST SP 800-38D). See `SecretBox` for the stored text format.
public enum AESGCM {
    public static let keyCount = 32
    public static let nonceCount = 12
    public static let tagCount = 16

    // EVP_CIPHER_fetch(3): fetched algorithms are read-only and may be shared between threads. Never freed.
    nonisolated(unsafe) private static let cipher: OpaquePointer = {
        guard let cipher = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) else { CryptoError.fatal("EVP_CIPHER_fetch") }
        return cipher
    }()

    /// Encrypts `plaintext` under a fresh random nonce. `key` must be 32 bytes (a programmer error otherwise).
    public static func seal(
        _ plaintext: [UInt8], key: [UInt8], aad: [UInt8]
    ) -> (nonce: [UInt8], tag: [UInt8], ciphertext: [UInt8]) {
        let nonce = Random.bytes(nonceCount)
        let sealed = seal(plaintext, key: key, nonce: nonce, aad: aad)
        return (nonce, sealed.tag, sealed.ciphertext)
    }

    /// Decrypts and authenticates. Throws on a wrong key, nonce, tag or AAD, on any tampering, and on bad lengths.
    public static func open(
        ciphertext: [UInt8], key: [UInt8], nonce: [UInt8], tag: [UInt8], aad: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        guard key.count == keyCount else { throw CryptoError("AES-GCM: key must be \(keyCount) bytes") }
        guard nonce.count == nonceCount else { throw CryptoError("AES-GCM: nonce must be \(nonceCount) bytes") }
        guard tag.count == tagCount else { throw CryptoError("AES-GCM: tag must be \(tagCount) bytes") }
        let ctx = Context()
        guard EVP_DecryptInit_ex2(ctx.handle, cipher, key, nonce, nil) == 1 else { throw .openssl("EVP_DecryptInit_ex2") }
        if !aad.isEmpty, !ctx.update(aad, decrypt: true) { throw .openssl("EVP_DecryptUpdate(aad)") }

        var plaintext = [UInt8](repeating: 0, count: ciphertext.count)
        if !ciphertext.isEmpty, !ctx.update(ciphertext, into: &plaintext, decrypt: true) {
            throw .openssl("EVP_DecryptUpdate")
        }
        var expected = tag
        guard EVP_CIPHER_CTX_ctrl(ctx.handle, EVP_CTRL_AEAD_SET_TAG, Int32(tagCount), &expected) == 1 else {
            throw .openssl("EVP_CTRL_AEAD_SET_TAG")
        }
        // GCM's final call writes no bytes; it only checks the tag. Plaintext is released only after that check.
        var finalCount: Int32 = 0
        let verified = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { scratch in
            EVP_DecryptFinal_ex(ctx.handle, scratch.baseAddress, &finalCount)
        }
        guard verified > 0 else {
            ERR_clear_error()   // a failed tag check queues no useful reason
            throw CryptoError("AES-GCM: authentication failed")
        }
        return plaintext
    }

    /// Encrypts under a caller-chosen nonce. Internal: reusing a nonce under one key breaks GCM, so callers outside
    /// this module always get a random one. Known-answer tests use it.
    static func seal(
        _ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8]
    ) -> (tag: [UInt8], ciphertext: [UInt8]) {
        precondition(key.count == keyCount, "AES-GCM: key must be \(keyCount) bytes")
        precondition(nonce.count == nonceCount, "AES-GCM: nonce must be \(nonceCount) bytes")
        let ctx = Context()
        guard EVP_EncryptInit_ex2(ctx.handle, cipher, key, nonce, nil) == 1 else { CryptoError.fatal("EVP_EncryptInit_ex2") }
        if !aad.isEmpty, !ctx.update(aad, decrypt: false) { CryptoError.fatal("EVP_EncryptUpdate(aad)") }

        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        if !plaintext.isEmpty, !ctx.update(plaintext, into: &ciphertext, decrypt: false) {
            CryptoError.fatal("EVP_EncryptUpdate")
        }
        var finalCount: Int32 = 0
        let finished = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { scratch in
            EVP_EncryptFinal_ex(ctx.handle, scratch.baseAddress, &finalCount)
        }
        guard finished == 1, finalCount == 0 else { CryptoError.fatal("EVP_EncryptFinal_ex") }

        var tag = [UInt8](repeating: 0, count: tagCount)
        guard EVP_CIPHER_CTX_ctrl(ctx.handle, EVP_CTRL_AEAD_GET_TAG, Int32(tagCount), &tag) == 1 else {
            CryptoError.fatal("EVP_CTRL_AEAD_GET_TAG")
        }
        return (tag, ciphertext)
    }

    /// One EVP_CIPHER_CTX, freed (and wiped, per EVP_CIPHER_CTX_free(3)) when the call that made it returns.
    private final class Context {
        let handle: OpaquePointer

        init() {
            guard let handle = EVP_CIPHER_CTX_new() else { CryptoError.fatal("EVP_CIPHER_CTX_new") }
            self.handle = handle
        }

        deinit { EVP_CIPHER_CTX_free(handle) }

        /// Feeds additional authenticated data (no output).
        func update(_ aad: [UInt8], decrypt: Bool) -> Bool {
            guard aad.count <= Int(Int32.max) else { return false }
            var written: Int32 = 0
            let rc = decrypt
                ? EVP_DecryptUpdate(handle, nil, &written, aad, Int32(aad.count))
                : EVP_EncryptUpdate(handle, nil, &written, aad, Int32(aad.count))
            return rc == 1
        }

        /// Transforms `input` into `output`, which has the same length: GCM is a stream mode.
        func update(_ input: [UInt8], into output: inout [UInt8], decrypt: Bool) -> Bool {
            guard input.count <= Int(Int32.max) else { return false }
            var written: Int32 = 0
            let rc = decrypt
                ? EVP_DecryptUpdate(handle, &output, &written, input, Int32(input.count))
                : EVP_EncryptUpdate(handle, &output, &written, input, Int32(input.count))
            return rc == 1 && Int(written) == input.count
        }
    }
}
