// The README's quick start, run as written (bash, curl, python3) against the spawned binary: the user's door works.
import Foundation
import Testing

@Suite struct QuickStartTests {
    /// The fenced `sh` block after `<!-- quickstart -->` in README.md.
    static func quickStart() throws -> String {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let marker = try #require(text.range(of: "<!-- quickstart -->\n```sh\n"), "README has no quick start block")
        let rest = text[marker.upperBound...]
        let end = try #require(rest.range(of: "\n```"), "the quick start block is not closed")
        return String(rest[..<end.lowerBound])
    }

    @Test func theReadmeQuickStartRunsAsWritten() throws {
        let server = try ServerProcess()
        let work = try ScratchDir()
        let script = "set -euo pipefail\ncd '\(work.path)'\n" + (try Self.quickStart())
        let r = try OrchestratorCLI.run(["-c", script], environment: ["BASE": "http://127.0.0.1:\(server.port)"],
                                        timeout: 60, executable: "/bin/bash")
        #expect(r.code == 0, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        #expect(r.stdout.contains("\"name\":\"My first flow\""), "\(r.stdout)")
        #expect(r.stdout.contains("Connection successful"), "\(r.stdout)")
        #expect(r.stdout.contains(#""status":"success","nodeStatuses":{"start":"success","fetch":"success","ok":"success"}"#),
                "the run finished: \(r.stdout)")
        #expect(r.stdout.contains(#""nodeName":"Fetch""#) && r.stdout.contains(#""output":{"status":"ok","version""#), "its logs: \(r.stdout)")
        #expect(r.stdout.hasSuffix("{\"success\":true}"), "\(r.stdout)")
        #expect(FileManager.default.fileExists(atPath: server.dataDir + "/databases/quickstart.db"))
        #expect(r.stdout.contains(#""nodeName":"Big order?""#) && r.stdout.contains(#""output":{"condition":true}"#),
                "the webhook's run and its logs: \(r.stdout)")
    }
}
