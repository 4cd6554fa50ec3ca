// The key that seals integration configs (SPEC §8): `ORCHESTRATOR_ENCRYPTION_KEY`, else `<data dir>/encryption.key`.
// Read once at start-up, on the main thread.
import Crypto
import Domain
import Log
#if canImport(Glibc)
import Glibc
#endif

public enum EncryptionKey {
    /// The encryption key: `ORCHESTRATOR_ENCRYPTION_KEY` (64 hex), else `<data dir>/encryption.key`, created once
    /// (mode 0600) with a warning. A malformed key stops startup.
    public static func load(environment: [String: String], dataDir: String, logger: Logger?,
                            crashBeforeLink: Bool = false) throws -> [UInt8] {
        if let hex = environment["ORCHESTRATOR_ENCRYPTION_KEY"], !hex.isEmpty {
            guard hex.utf8.count == 64, let key = Hex.decode(hex) else {
                throw StartupError("ORCHESTRATOR_ENCRYPTION_KEY must be 64 hex characters")
            }
            return key
        }
        let path = (dataDir.hasSuffix("/") ? dataDir : dataDir + "/") + "encryption.key"
        if let text = TextFile.read(path, limit: 256) {
            let hex = text.trimmed
            guard hex.utf8.count == 64, let key = Hex.decode(hex) else {
                throw StartupError("\(path) must hold 64 hex characters")
            }
            return key
        }
        let key = Random.bytes(32)
        try create(path, holding: Array((Hex.encode(key) + "\n").utf8), dataDir: dataDir, crashBeforeLink: crashBeforeLink)
        if crashBeforeLink { return key }
        // Read back: when another process linked its key first, theirs is the one in force.
        guard let text = TextFile.read(path, limit: 256), let stored = Hex.decode(text.trimmed), stored.count == 32 else {
            throw StartupError("\(path) must hold 64 hex characters")
        }
        if stored != key { return stored }
        logger?.warn("generated a new encryption key; set ORCHESTRATOR_ENCRYPTION_KEY or keep this file safe", ["path": .string(path)])
        return key
    }

    /// Writes `bytes` to a fresh temporary file beside `path`, fsyncs it, links it into place (which fails rather
    /// than replace a file another process made meanwhile), and fsyncs the directory: after a crash at any point the
    /// key file is absent or whole, never empty or partial. `crashBeforeLink` stops after the write (tests).
    static func create(_ path: String, holding bytes: [UInt8], dataDir: String, crashBeforeLink: Bool) throws {
        let tmp = "\(path).tmp-\(getpid())-\(Hex.encode(Random.bytes(6)))"
        let fd = Glibc.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StartupError("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        Glibc.close(fd)
        guard written == bytes.count, synced else {
            unlink(tmp)
            throw StartupError("cannot write \(tmp)")
        }
        if crashBeforeLink { return }
        defer { unlink(tmp) }
        if link(tmp, path) != 0 {
            // EEXIST: another process created it meanwhile (read it once more), or it is a dangling link: then stop
            // with the reason rather than guess.
            let code = errno
            if code == EEXIST, let text = TextFile.read(path, limit: 256), text.trimmed.utf8.count == 64,
               Hex.decode(text.trimmed) != nil {
                return
            }
            throw StartupError("cannot read or create \(path): \(String(cString: strerror(code)))")
        }
        let dirFD = Glibc.open(dataDir.isEmpty ? "." : dataDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            Glibc.close(dirFD)
        }
    }
}

/// A configuration problem that stops startup (exit 1) with its message.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
