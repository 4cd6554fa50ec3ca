// Runs the built `orchestrator` binary as a separate process for end-to-end tests: fresh temp data dir, `--port 0`,
// the bound port read from its first log line, stderr drained on a helper thread. Used from one test thread.
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Why a server process could not be started.
struct ServerProcessError: Error, CustomStringConvertible {
    let description: String
}

/// The captured stderr of a child process. Appended by the drain thread, read by the test.
final class LogCapture: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    func append(_ b: UnsafeRawBufferPointer) { bytes.withLock { $0.append(contentsOf: b) } }
    var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}

/// One `orchestrator serve` child process.
final class ServerProcess {
    /// Serialises pipe creation and spawning, so no child inherits another test's pipe before it is marked close-on-exec.
    private static let spawnLock = Mutex<Void>(())

    let pid: pid_t
    let dataDir: String
    private(set) var port = 0
    private let log = LogCapture()
    private var exitStatus: Int32?

    /// The binary next to the test bundle (`<scratch>/debug/orchestrator`), or `ORCHESTRATOR_BIN`.
    static var binaryPath: String {
        if let p = ProcessInfo.processInfo.environment["ORCHESTRATOR_BIN"], !p.isEmpty { return p }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent + "/orchestrator"
    }

    /// Starts `orchestrator serve --port 0 --data-dir <temp> <flags>` with the test's environment (minus any
    /// ORCHESTRATOR_* variables) plus `environment`, and waits for its `listening` line. `openFileLimit` sets
    /// RLIMIT_NOFILE before the binary starts (through the shell's `ulimit`): soft and hard, or only the soft one.
    init(flags: [String] = [], environment: [String: String] = [:], openFileLimit: Int? = nil, softLimitOnly: Bool = false,
         startTimeout: Double = 15) throws {
        let bin = ServerProcess.binaryPath
        guard access(bin, X_OK) == 0 else {
            throw ServerProcessError(description: "no executable at \(bin): build it first (swift build), or set ORCHESTRATOR_BIN")
        }
        var template = Array("/tmp/orchestrator-e2e-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw ServerProcessError(description: "mkdtemp failed") }
        dataDir = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)

        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ORCHESTRATOR_") }
        env["ORCHESTRATOR_LOG_FORMAT"] = "text"
        env["ORCHESTRATOR_LOG_LEVEL"] = "info"
        for (k, v) in environment { env[k] = v }
        var args = [bin, "serve", "--port", "0", "--data-dir", dataDir] + flags
        if let openFileLimit {
            // exec keeps the pid: signals and waitpid reach the server itself.
            args = ["/bin/sh", "-c", "ulimit \(softLimitOnly ? "-S " : "")-n \(openFileLimit) && exec \"$0\" \"$@\""] + args
        }

        let spawned: (pid_t, Int32)
        do {
            spawned = try ServerProcess.spawn(args: args, env: env.map { "\($0.key)=\($0.value)" })
        } catch {
            try? FileManager.default.removeItem(atPath: dataDir)
            throw error
        }
        pid = spawned.0
        let readFD = spawned.1
        let capture = log
        Thread.detachNewThread {
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                if n > 0 {
                    chunk.withUnsafeBytes { capture.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            Glibc.close(readFD)
        }

        let deadline = monotonicSeconds() + startTimeout
        while port == 0 {
            if let p = ServerProcess.listeningPort(in: log.text) {
                port = p
                break
            }
            if waitForExit(timeout: 0) != nil || monotonicSeconds() > deadline {
                let why = exitStatus.map { "exited with \($0)" } ?? "no listening line after \(startTimeout)s"
                throw ServerProcessError(description: "server did not start (\(why)); log:\n\(log.text)")
            }
            sleepSeconds(0.005)
        }
    }

    deinit {
        if exitStatus == nil {
            Glibc.kill(pid, SIGKILL)
            _ = waitForExit(timeout: 10)
        }
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    /// Everything the process wrote to stderr so far.
    var logText: String { log.text }

    /// Waits until the log contains `needle`.
    func waitForLog(_ needle: String, timeout: Double = 5) -> Bool {
        eventually(timeout: timeout) { log.text.contains(needle) }
    }

    /// SIGTERM: graceful shutdown.
    func terminate() { Glibc.kill(pid, SIGTERM) }

    /// SIGKILL.
    func kill() { Glibc.kill(pid, SIGKILL) }

    /// The exit code (128 + signal when killed by one), or nil if the process is still running after `timeout` seconds.
    func waitForExit(timeout: Double) -> Int32? {
        if let exitStatus { return exitStatus }
        let deadline = monotonicSeconds() + timeout
        while true {
            var status: Int32 = 0
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid {
                // WIFEXITED / WEXITSTATUS / WTERMSIG are macros: decode the wait status by hand.
                let signal = status & 0x7F
                exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
                return exitStatus
            }
            if rc < 0 && errno != EINTR { exitStatus = -1; return exitStatus }
            if monotonicSeconds() >= deadline { return nil }
            sleepSeconds(0.005)
        }
    }

    /// `port=N` from the `msg=listening` line.
    static func listeningPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("msg=listening") {
            for field in line.split(separator: " ") where field.hasPrefix("port=") {
                return Int(field.dropFirst(5))
            }
        }
        return nil
    }

    /// posix_spawn with stdin/stdout on /dev/null and stderr on a pipe; returns the pid and the pipe's read end.
    private static func spawn(args: [String], env: [String]) throws -> (pid_t, Int32) {
        try spawnLock.withLock { _ throws -> (pid_t, Int32) in
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw ServerProcessError(description: "pipe failed") }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)

            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 2)   // dup2 clears close-on-exec on fd 2

            // The child must see SIGTERM/SIGINT with default disposition and an empty mask: it blocks and sigwaits them itself.
            var attr = posix_spawnattr_t()
            posix_spawnattr_init(&attr)
            defer { posix_spawnattr_destroy(&attr) }
            var defaults = sigset_t()
            sigemptyset(&defaults)
            sigaddset(&defaults, SIGTERM)
            sigaddset(&defaults, SIGINT)
            sigaddset(&defaults, SIGPIPE)
            posix_spawnattr_setsigdefault(&attr, &defaults)
            var mask = sigset_t()
            sigemptyset(&mask)
            posix_spawnattr_setsigmask(&attr, &mask)
            posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

            let argv = args.map { strdup($0) } + [nil]
            let envp = env.map { strdup($0) } + [nil]
            defer {
                for p in argv { free(p) }
                for p in envp { free(p) }
            }
            var pid: pid_t = 0
            let rc = posix_spawn(&pid, args[0], &actions, &attr, argv, envp)
            Glibc.close(fds[1])
            guard rc == 0 else {
                Glibc.close(fds[0])
                throw ServerProcessError(description: "posix_spawn \(args[0]): \(String(cString: strerror(rc)))")
            }
            return (pid, fds[0])
        }
    }
}
