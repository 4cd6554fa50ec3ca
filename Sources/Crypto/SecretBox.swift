// SecretBox: the at-rest text format for encrypted integration configs (SPEC §8), `v1:<nonce>:<tag>:<ciphertext>` in
// lowercase hex, sealed with AES-256-GCM. Thread-safe: stateless.

/// Seals UTF-8 text into the `v1:` format and opens it again. The AAD binds a box to its owner (the integration id),
/// so a box copied to another row does not open.
public enum SecretBox {
    public static let version = "v1"

    /// Encrypts `plaintext` under `key` (32 bytes) with a fresh nonce, binding `aad`.
    public static func seal(_ plaintext: String, key: [UInt8], aad: String) -> String {
        let box = AESGCM.seal(Array(plaintext.utf8), key: key, aad: Array(aad.utf8))
        return "\(version):\(Hex.encode(box.nonce)):\(Hex.encode(box.tag)):\(Hex.encode(box.ciphertext))"
    }

    /// Decrypts a `v1:` string. Malformed text, a wrong key or AAD, and any tampering all throw.
    public static func open(_ sealed: String, key: [UInt8], aad: String) throws(CryptoError) -> String {
        let parts = sealed.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == version else {
            throw CryptoError("SecretBox: not a \(version) sealed string")
        }
        guard let nonce = Hex.decode(parts[1]), nonce.count == AESGCM.nonceCount,
              let tag = Hex.decode(parts[2]), tag.count == AESGCM.tagCount,
              let ciphertext = Hex.decode(parts[3])
        else { throw CryptoError("SecretBox: malformed \(version) sealed string") }
        let plaintext = try AESGCM.open(ciphertext: ciphertext, key: key, nonce: nonce, tag: tag, aad: Array(aad.utf8))
        guard let text = String(validating: plaintext, as: UTF8.self) else {
            throw CryptoError("SecretBox: plaintext is not UTF-8")
        }
        return text
    }
}
