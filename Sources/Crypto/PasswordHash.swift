// PasswordHash: the stored password format `scrypt$N$r$p$<hex salt>$<hex key>` (SPEC §1): hashing, verifying, and a
// dummy verify that costs the same for unknown users. Thread-safe: stateless; each call takes ~32 MiB of work memory.

/// Password hashing with scrypt N=2^15, r=8, p=1, a 16-byte random salt and a 64-byte key.
public enum PasswordHash {
    static let n: UInt64 = 32768
    static let r: UInt64 = 8
    static let p: UInt64 = 1
    static let saltCount = 16
    static let keyCount = 64
    /// 128·r·N = 32 MiB plus OpenSSL's overhead; OpenSSL's default 32 MiB cap would reject it (SPEC §1).
    static let maxMemory: UInt64 = 64 * 1024 * 1024

    /// A fresh `scrypt$32768$8$1$<hex salt16>$<hex key64>` string for `password` (its UTF-8 bytes, unnormalised).
    /// Throws when scrypt cannot get its 32 MiB (the parameters are fixed and valid: nothing else fails).
    public static func hash(_ password: String) throws(CryptoError) -> String {
        let salt = Random.bytes(saltCount)
        let key = try Scrypt.derive(
            password: Array(password.utf8), salt: salt, n: n, r: r, p: p, length: keyCount, maxMemory: maxMemory)
        return "scrypt$\(n)$\(r)$\(p)$\(Hex.encode(salt))$\(Hex.encode(key))"
    }

    /// True when `password` matches `stored`. The key comparison is constant-time; a malformed `stored` gives false.
    /// Parameters are read from `stored`, within bounds, so strings from a future cost setting still verify.
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard let parsed = Stored(stored),
              let key = try? Scrypt.derive(
                password: Array(password.utf8), salt: parsed.salt, n: parsed.n, r: parsed.r, p: parsed.p,
                length: parsed.key.count, maxMemory: maxMemory)
        else { return false }
        return constantTimeEquals(key, parsed.key)
    }

    /// Does the work of one `verify` against a hash made by `hash`, and discards it. Call it when the user is unknown,
    /// so that response time does not reveal whether an account exists.
    public static func dummyVerify(_ password: String) {
        let key = try? Scrypt.derive(
            password: Array(password.utf8), salt: dummySalt, n: n, r: r, p: p, length: keyCount, maxMemory: maxMemory)
        _ = constantTimeEquals(key ?? [], dummyKey)
    }

    private static let dummySalt = [UInt8](repeating: 0x5a, count: saltCount)
    private static let dummyKey = [UInt8](repeating: 0, count: keyCount)

    /// A parsed stored hash. Bounds keep a corrupt row from costing more than a few of today's hashes.
    struct Stored {
        let n: UInt64
        let r: UInt64
        let p: UInt64
        let salt: [UInt8]
        let key: [UInt8]

        init?(_ text: String) {
            let parts = text.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 6, parts[0] == "scrypt",
                  let n = UInt64(parts[1]), n >= 2, n <= 1 << 20, n & (n - 1) == 0,
                  let r = UInt64(parts[2]), (1...32).contains(r),
                  let p = UInt64(parts[3]), (1...16).contains(p),
                  let salt = Hex.decode(parts[4]), !salt.isEmpty,
                  let key = Hex.decode(parts[5]), (16...128).contains(key.count)
            else { return nil }
            (self.n, self.r, self.p, self.salt, self.key) = (n, r, p, salt, key)
        }
    }
}
