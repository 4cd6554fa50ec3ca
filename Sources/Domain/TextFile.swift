// Whole small files read as text (the time-zone list, the encryption key file). Blocking file I/O; any thread.
#if canImport(Glibc)
import Glibc
#endif

public enum TextFile {
    /// The first `limit` bytes of `path` as UTF-8 text, or nil when it cannot be opened.
    public static func read(_ path: String, limit: Int = 1 << 22) -> String? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            let n = Glibc.read(fd, &buf, min(buf.count, limit - out.count))
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
