// Client addresses as the rate limits count them (SPEC §1): an IPv4 address, or an IPv6 address's /64 prefix
// (IPv4-mapped IPv6 counts as IPv4). Pure; any thread.
#if canImport(Glibc)
import Glibc
#endif

public enum ClientAddress {
    /// True when `text` is an IPv4 or IPv6 address in textual form.
    public static func isIP(_ text: Substring) -> Bool { rateKey(String(text)) != nil }

    /// The key the limits count `ip` under, or nil when it does not parse as an address.
    public static func rateKey(_ ip: String) -> String? {
        var text = ip
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return "4:" + text }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        // ::ffff:a.b.c.d is an IPv4 client behind a dual-stack socket.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return "4:\(bytes[12]).\(bytes[13]).\(bytes[14]).\(bytes[15])"
        }
        var key = "6:"
        for b in bytes[0..<8] {
            key += String(b >> 4, radix: 16) + String(b & 0xf, radix: 16)
        }
        return key + "/64"
    }
}
