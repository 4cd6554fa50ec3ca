// Token: opaque random bearer strings (session tokens, `wfb_` API keys; SPEC §0, §9).
// Thread-safe: stateless.

/// Random tokens: a prefix followed by unpadded base64url of CSPRNG bytes.
public enum Token {
    /// `prefix` + base64url(`bytes` random bytes). Sessions use 32 bytes (43 chars); API keys `wfb_` and 24 (36 chars).
    public static func random(prefix: String = "", bytes: Int) -> String {
        prefix + Base64URL.encode(Random.bytes(bytes))
    }
}
