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
    public static func load(environment: [String: String], dataDir: String, logger: Logger?) throws -> [UInt8] {
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
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            // EEXIST: another process created it meanwhile (read it once more), or it is a dangling link or
            // unreadable: then stop with the reason rather than guess.
            if errno == EEXIST, let text = TextFile.read(path, limit: 256), text.trimmed.utf8.count == 64,
               let key = Hex.decode(text.trimmed) {
                return key
            }
            throw StartupError("cannot read or create \(path): \(String(cString: strerror(errno)))")
        }
        let line = Array((Hex.encode(key) + "\n").utf8)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == line.count else { throw StartupError("cannot write \(path)") }
        logger?.warn("generated a new encryption key; set ORCHESTRATOR_ENCRYPTION_KEY or keep this file safe", ["path": .string(path)])
        return key
    }
}

/// A configuration problem that stops startup (exit 1) with its message.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
