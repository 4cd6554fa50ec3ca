// Substring search over UTF-8 bytes in linear time (Knuth–Morris–Pratt), so a long needle against a long output costs
// O(n + m). Matching valid UTF-8 on bytes finds exactly the Unicode scalar matches. Pure; any thread.

/// Byte-level substring search.
enum TextSearch {
    /// The offset of the first occurrence of `needle` in `haystack` at or after `from`; an empty needle matches at `from`.
    static func firstMatch(of needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
        guard !needle.isEmpty else { return from <= haystack.count ? from : nil }
        guard haystack.count - from >= needle.count else { return nil }
        // failure[i]: length of the longest proper border of needle[0...i].
        var failure = [Int](repeating: 0, count: needle.count)
        var k = 0
        for i in 1..<needle.count {
            while k > 0 && needle[i] != needle[k] { k = failure[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            failure[i] = k
        }
        k = 0
        for i in from..<haystack.count {
            while k > 0 && haystack[i] != needle[k] { k = failure[k - 1] }
            if haystack[i] == needle[k] { k += 1 }
            if k == needle.count { return i - k + 1 }
        }
        return nil
    }
}
