// The fake servers every network test talks to: Fixtures/fixture_server.py, started once per test process with a
// fresh temp dir for its certificates, and shared by all tests (each test keys its server-side records by a unique id).
import Foundation
@testable import HTTPClient
#if canImport(Glibc)
import Glibc
#endif

/// Why the fixture server could not start.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// Ports of the fixture server's listeners and the CA that signed its valid certificates.
struct Fixture: Sendable {
    let caFile: String
    let ports: [String: Int]

    /// Started on first use; stays up until the test process exits (it watches its stdin).
    static let shared: Result<Fixture, FixtureError> = Result { try Fixture.start() }.mapError {
        $0 as? FixtureError ?? FixtureError(description: "\($0)")
    }

    static func get() throws -> Fixture { try shared.get() }

    /// One client for tests that do not count connections: creating one parses the system trust store (~80 ms).
    static let sharedClient = Result { try get().client() }

    /// False when the fixture started without its IPv6 listeners (no ::1 here). True when it did not start at all, so
    /// the tests that need it run and fail on that instead of being skipped.
    static var hasIPv6Loopback: Bool {
        guard case .success(let fixture) = shared else { return true }
        return fixture.ports["http6"] != nil && fixture.ports["https6"] != nil
    }

    /// `http://127.0.0.1:<port of listener><path>`; https listeners get `https`, v6 ones `[::1]`.
    func url(_ listener: String, _ path: String, host: String? = nil) -> String {
        let scheme = listener.hasPrefix("https") ? "https" : "http"
        let h = host ?? (listener.hasSuffix("6") ? "[::1]" : "127.0.0.1")
        return "\(scheme)://\(h):\(ports[listener] ?? 0)\(path)"
    }

    /// A client that trusts the fixture's CA.
    func client(maxIdlePerOrigin: Int = 8) -> HTTPClient {
        HTTPClient(caFile: caFile, userAgent: "Orchestrator/test", maxIdlePerOrigin: maxIdlePerOrigin)
    }

    private static var scriptPath: String {
        if let path = Bundle.module.path(forResource: "fixture_server", ofType: "py", inDirectory: "Fixtures") { return path }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fixture_server.py").path
    }

    /// Kept open for the life of the process: the server exits when it sees EOF here.
    nonisolated(unsafe) private static var stdinPipe: Pipe?

    private static func start() throws -> Fixture {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("httpclient-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath, dir.path]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        stdinPipe = input

        var line: [UInt8] = []
        let fd = output.fileHandleForReading.fileDescriptor
        var byte: UInt8 = 0
        while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 30_000) == 1 else { throw FixtureError(description: "fixture server did not start in 30 s") }
            guard read(fd, &byte, 1) == 1 else { throw FixtureError(description: "fixture server exited: \(String(decoding: line, as: UTF8.self))") }
            if byte == 0x0A { break }
            line.append(byte)
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
              let ca = object["ca"] as? String else {
            throw FixtureError(description: "bad fixture line: \(String(decoding: line, as: UTF8.self))")
        }
        var ports: [String: Int] = [:]
        for (name, value) in object { if let port = value as? Int { ports[name] = port } }
        return Fixture(caFile: ca, ports: ports)
    }

    /// The fixture's JSON reply to a bookkeeping path (`/stats`, `/disconnected`).
    func query(_ path: String) throws -> [String: Any] {
        let response = try Fixture.sharedClient.get().send(ClientRequest(url: url("http", path), timeoutMs: 5000))
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    }

    /// Distinct connections that served requests tagged `?k=<key>`.
    func connections(for key: String) throws -> Int {
        try query("/stats?k=\(key)")["connections"] as? Int ?? -1
    }
}

/// A unique key for tagging one test's requests at the fixture server.
func uniqueKey() -> String { UUID().uuidString.lowercased() }

/// Seconds on CLOCK_MONOTONIC, the clock Python's time.monotonic() reads on Linux.
func monotonicSeconds() -> Double { Double(Deadline.now()) / 1e9 }

/// The JSON object in a response body.
func jsonObject(_ response: ClientResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
}
