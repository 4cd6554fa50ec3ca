// RandomID: resource ids (`wf_` + 21 of [0-9a-z]) and server-made node/edge ids (21 of [A-Za-z0-9_-]), SPEC §0.
// Thread-safe: stateless.

/// Random identifiers drawn from a CSPRNG with every symbol equally likely.
public enum RandomID {
    public static let length = 21
    static let lowerAlphanumerics: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
    static let urlSafe: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".utf8)

    /// `prefix` + 21 chars of `[0-9a-z]`, e.g. `make(prefix: "wf_")`.
    public static func make(prefix: String) -> String {
        prefix + String(decoding: draw(from: lowerAlphanumerics), as: UTF8.self)
    }

    /// 21 chars of `[A-Za-z0-9_-]`, for nodes and edges the server creates.
    public static func nodeID() -> String {
        String(decoding: draw(from: urlSafe), as: UTF8.self)
    }

    /// `length` symbols of `alphabet`. Bytes at or above the largest multiple of the alphabet size are rejected
    /// rather than reduced, which would favour the first `256 % size` symbols.
    static func draw(from alphabet: [UInt8]) -> [UInt8] {
        let limit = 256 - 256 % alphabet.count
        var out: [UInt8] = []
        out.reserveCapacity(length)
        while out.count < length {
            // 32 bytes almost always suffice: for 36 symbols, 252 of 256 byte values are accepted.
            for byte in Random.bytes(32) where Int(byte) < limit && out.count < length {
                out.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return out
    }
}
