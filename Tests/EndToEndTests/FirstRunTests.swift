// First run as a user meets it (issue 12): one server per address and data directory, a CLI that explains itself,
// start-up errors as plain sentences before anything touches the disk, and the password prompt with echo off.
import Dispatch
import Foundation
import Testing

@Suite struct FirstRunTests {
    /// A port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    @Test func aSecondServerOnTheSameAddressFailsAtStartup() throws {
        let port = try Self.freePort()
        let first = try ServerProcess(flags: ["--port", "\(port)"])
        let other = try ScratchDir()
        let second = try OrchestratorCLI.run(["serve", "--port", "\(port)", "--data-dir", other.path], timeout: 20)
        #expect(second.code == 1)
        #expect(second.stderr == "orchestrator: Address already in use: 127.0.0.1:\(port)\n", "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: other.file("orchestrator.db")), "nothing was written")
        // The first one keeps serving every request.
        for _ in 0..<12 { #expect(try APIClient(port: first.port).get("/health").status == 200) }
    }

    @Test func aSecondServerOnTheSameDataDirectoryFailsAtStartup() throws {
        let first = try ServerProcess()
        let second = try OrchestratorCLI.run(["serve", "--port", "0", "--data-dir", first.dataDir], timeout: 20)
        #expect(second.code == 1)
        #expect(second.stderr == "orchestrator: Data directory \(first.dataDir) is in use by process \(first.pid)\n",
                "\(second.stderr)")
    }

    @Test(arguments: ["address", "data directory"])
    func ofTwoStartingAtOnceExactlyOneServes(_ shared: String) throws {
        let port = try Self.freePort()
        let dirs = [try ScratchDir(), try ScratchDir()]
        let results = LockedBox<[CommandResult]>([])
        let group = DispatchGroup()
        for i in 0..<2 {
            let args = shared == "address"
                ? ["serve", "--port", "\(port)", "--data-dir", dirs[i].path]
                : ["serve", "--port", "0", "--data-dir", dirs[0].path]
            group.enter()
            Thread.detachNewThread {
                // The one that serves runs until the timeout kills it (code -1).
                if let r = try? OrchestratorCLI.run(args, timeout: 6) { results.withLock { $0.append(r) } }
                group.leave()
            }
        }
        group.wait()
        let codes = results.value.map(\.code).sorted()
        #expect(codes == [-1, 1], "\(results.value.map(\.stderr))")
        let message = shared == "address" ? "Address already in use" : "is in use by process"
        #expect(results.value.contains { $0.code == 1 && $0.stderr.contains(message) }, "\(results.value.map(\.stderr))")
    }

    @Test func badConfigurationFailsWithOneSentenceBeforeTouchingTheDisk() throws {
        let dir = try ScratchDir()
        let data = dir.file("data")
        let host = try OrchestratorCLI.run(["serve", "--host", "999.1.1.1", "--port", "0", "--data-dir", data])
        #expect(host.code == 1)
        #expect(host.stderr == "orchestrator: Invalid host 999.1.1.1: not an address or a name this machine can resolve\n",
                "\(host.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data), "no data directory, key or database was made")
        let foreign = try OrchestratorCLI.run(["serve", "--host", "192.0.2.1", "--port", "0", "--data-dir", data])
        #expect(foreign.code == 1)
        #expect(foreign.stderr == "orchestrator: Cannot listen on 192.0.2.1: it is not an address of this machine\n",
                "\(foreign.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data))
        let proc = try OrchestratorCLI.run(["serve", "--port", "0", "--data-dir", "/proc/nope"])
        #expect(proc.code == 1)
        #expect(proc.stderr.hasPrefix("orchestrator: Cannot create directory /proc/nope"), "\(proc.stderr)")
        #expect(!proc.stderr.contains("internalError"), "\(proc.stderr)")
    }

    @Test func versionAndHelpWorkAnywhereAndUsageErrorsAreShort() throws {
        for flag in ["--version", "-V"] {
            let r = try OrchestratorCLI.run([flag])
            #expect(r.code == 0 && r.stdout.hasSuffix("\n") && r.stdout.split(separator: ".").count == 3, "\(r.stdout)")
            #expect(try OrchestratorCLI.run(["migrate", flag]).stdout == r.stdout)
        }
        for flag in ["--help", "-h"] {
            let r = try OrchestratorCLI.run(["user", "create", flag])
            #expect(r.code == 0 && r.stdout.contains("user password --email E"), "\(r.stdout)")
        }
        let bogus = try OrchestratorCLI.run(["--bogus"])
        #expect(bogus.code == 2)
        #expect(bogus.stderr == "orchestrator: unknown option --bogus\nRun 'orchestrator --help' for usage.\n", "\(bogus.stderr)")
        let value = try OrchestratorCLI.run(["serve", "--port"])
        #expect(value.code == 2)
        #expect(value.stderr == "orchestrator: option --port needs a value\nRun 'orchestrator --help' for usage.\n")
        let dir = try ScratchDir()
        let ghost = try OrchestratorCLI.run(["apikey", "create", "--email", "ghost@example.com", "--data-dir", dir.path])
        #expect(ghost.code == 1)
        #expect(ghost.stderr == "orchestrator: User not found\n", "\(ghost.stderr)")
    }

    @Test func userCreatePromptsForThePasswordWithEchoOffOnATerminal() throws {
        let dir = try ScratchDir()
        // python3's pty module gives the binary a real terminal; we type the password at the prompt.
        let script = """
        import json, os, pty, select, sys, time
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[1], sys.argv[1:])
        out = b""
        def pump(until, deadline):
            global out
            while until not in out and time.time() < deadline:
                r, _, _ = select.select([fd], [], [], 0.2)
                if r:
                    try: chunk = os.read(fd, 4096)
                    except OSError: break
                    if not chunk: break
                    out += chunk
        pump(b"Password: ", time.time() + 20)
        os.write(fd, b"typed secret 123\\n")
        pump(b"\\"providerId\\"", time.time() + 30)
        if b"\\"providerId\\"" not in out:
            os.kill(pid, 9)   # report what was seen rather than hang
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"out": out.decode(errors="replace"), "code": os.waitstatus_to_exitcode(status)}))
        """
        let r = try OrchestratorCLI.run(["-c", script, ServerProcess.binaryPath, "user", "create", "--email", "tty@example.com",
                                         "--name", "Tty", "--data-dir", dir.path], timeout: 60, executable: "/usr/bin/python3")
        let result = try #require(try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout) \(r.stderr)")
        let out = result["out"] as? String ?? ""
        #expect(result["code"] as? Int == 0, "\(out)")
        #expect(out.contains("Password: "), "\(out)")
        #expect(!out.contains("typed secret 123"), "the password was echoed: \(out)")
        #expect(out.contains("\"email\":\"tty@example.com\""), "\(out)")
    }

    @Test func anUnmatchedRequestsAccessLineNamesItsPath() throws {
        let server = try ServerProcess()
        let c = APIClient(port: server.port)
        #expect(try c.get("/no/such/thing?x=1").status == 404)
        let long = "/" + String(repeating: "a", count: 400)
        #expect(try c.get(long).status == 404)
        #expect(try c.get("/health").status == 200)
        #expect(server.waitForLog("route=\"GET /health\""), "\(server.logText)")
        #expect(server.logText.contains("route=unmatched path=/no/such/thing"), "\(server.logText)")
        #expect(server.logText.contains("path=/" + String(repeating: "a", count: 255) + " "), "cut at 256 bytes")
        #expect(!server.logText.contains(String(repeating: "a", count: 256)))
        let healthLine = server.logText.split(separator: "\n").first { $0.contains("route=\"GET /health\"") } ?? ""
        #expect(!healthLine.contains("path="), "matched routes log their route only")
    }
}
