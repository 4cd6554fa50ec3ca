// Operations end to end (SPEC §14): /health, /metrics (parsed with a small Prometheus text parser), the metrics
// token, and the CLI commands migrate, backup (during a write load), version and an unknown command; durability of an
// acknowledged write across a SIGKILL. Group commit itself is covered by StoreTests.
import App
import Domain
import Dispatch
import Foundation
import JSON
import Store
import Testing

/// A parsed Prometheus text exposition (format 0.0.4): samples in order, plus the HELP and TYPE comments.
struct PromText {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    var samples: [Sample] = []
    var types: [String: String] = [:]
    var helps: [String: String] = [:]

    /// Parses `text`, requiring a TYPE line for every family before its first sample.
    static func parse(_ text: String) throws -> PromText {
        var out = PromText()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            func fail(_ why: String) -> ParseError { ParseError(description: "line \(n + 1) \"\(line)\": \(why)") }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard parts.count >= 3, parts[0] == "#" else { continue }   // a plain comment
                if parts[1] == "TYPE" {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                        throw fail("bad TYPE")
                    }
                    guard out.types[String(parts[2])] == nil else { throw fail("second TYPE for the family") }
                    out.types[String(parts[2])] = String(parts[3])
                } else if parts[1] == "HELP" {
                    out.helps[String(parts[2])] = parts.count == 4 ? String(parts[3]) : ""
                }
                continue
            }
            let chars = Array(line.unicodeScalars)
            var i = 0
            func isNameChar(_ c: Unicode.Scalar, first: Bool) -> Bool {
                ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || c == ":" || (!first && ("0"..."9").contains(c))
            }
            var name = ""
            while i < chars.count, isNameChar(chars[i], first: name.isEmpty) { name.unicodeScalars.append(chars[i]); i += 1 }
            guard !name.isEmpty else { throw fail("no metric name") }
            var labels: [String: String] = [:]
            if i < chars.count, chars[i] == "{" {
                i += 1
                while i < chars.count, chars[i] != "}" {
                    var key = ""
                    while i < chars.count, isNameChar(chars[i], first: key.isEmpty), chars[i] != ":" {
                        key.unicodeScalars.append(chars[i]); i += 1
                    }
                    guard !key.isEmpty, i + 1 < chars.count, chars[i] == "=", chars[i + 1] == "\"" else {
                        throw fail("bad label")
                    }
                    i += 2
                    var value = ""
                    while true {
                        guard i < chars.count else { throw fail("unterminated label value") }
                        let c = chars[i]
                        i += 1
                        if c == "\"" { break }
                        if c == "\\" {
                            guard i < chars.count else { throw fail("dangling escape") }
                            switch chars[i] {
                            case "\\": value += "\\"
                            case "\"": value += "\""
                            case "n": value += "\n"
                            default: throw fail("bad escape")
                            }
                            i += 1
                        } else {
                            value.unicodeScalars.append(c)
                        }
                    }
                    guard labels[key] == nil else { throw fail("duplicate label \(key)") }
                    labels[key] = value
                    if i < chars.count, chars[i] == "," { i += 1 }
                }
                guard i < chars.count else { throw fail("unterminated labels") }
                i += 1
            }
            guard i < chars.count, chars[i] == " " else { throw fail("no space before the value") }
            let rest = String(String.UnicodeScalarView(chars[(i + 1)...])).split(separator: " ")
            guard rest.count == 1 || rest.count == 2 else { throw fail("bad value") }
            let value: Double
            switch rest[0] {
            case "+Inf": value = .infinity
            case "-Inf": value = -.infinity
            case "NaN": value = .nan
            default:
                guard let v = Double(rest[0]) else { throw fail("bad value") }
                value = v
            }
            var family = name
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
                let base = String(name.dropLast(suffix.count))
                if out.types[base] == "histogram" || out.types[base] == "summary" { family = base }
            }
            guard out.types[family] != nil else { throw fail("sample before its TYPE line") }
            out.samples.append(Sample(name: name, labels: labels, value: value))
        }
        return out
    }

    /// The value of the sample with exactly these labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    func samples(_ name: String, where match: [String: String]) -> [Sample] {
        samples.filter { s in s.name == name && match.allSatisfy { s.labels[$0.key] == $0.value } }
    }
}

@Suite struct OperationsTests {
    static func scrape(_ port: Int, headers: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> PromText {
        let r = try APIClient(port: port).get("/metrics", headers: headers)
        #expect(r.status == 200, sourceLocation: sourceLocation)
        #expect(r.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true, sourceLocation: sourceLocation)
        return try PromText.parse(r.text)
    }

    // MARK: - /health

    @Test func healthReportsOkAndTheVersion() throws {
        let server = try ServerProcess()
        let r = try APIClient(port: server.port).get("/health")
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == Expected.jsonType)
        #expect(r.text == #"{"status":"ok","version":"\#(AppVersion.current)"}"#)
        let parts = AppVersion.current.split(separator: "-", maxSplits: 1)[0].split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil }, "semver: \(AppVersion.current)")
    }

    // MARK: - /metrics

    @Test func metricsCountRequestsAndHistogramsAreCumulative() throws {
        let server = try ServerProcess()
        let before = try Self.scrape(server.port)
        let health = ["route": "GET /health", "status": "200"]
        let base = before.value("http_requests_total", health) ?? 0

        // 7 requests on one keep-alive connection, 2 on their own connections, 1 unmatched.
        let c = try RawClient(port: server.port)
        for _ in 0..<7 {
            try c.send(Req.get("/health"))
            #expect(try c.readResponse().status == 200)
        }
        c.close()
        for _ in 0..<2 { #expect(try APIClient(port: server.port).get("/health").status == 200) }
        #expect(try APIClient(port: server.port).get("/no/such/route").status == 404)

        let m = try Self.scrape(server.port)
        #expect(m.types["http_requests_total"] == "counter")
        #expect(m.types["http_request_duration_seconds"] == "histogram")
        #expect(m.types["http_connections_open"] == "gauge")
        #expect(m.types["process_start_time_seconds"] == "gauge")
        #expect(m.value("http_requests_total", health) == base + 9)
        #expect(m.value("http_requests_total", ["route": "unmatched", "status": "404"]) == 1)
        // The earlier scrape is counted; this one is not finished while it renders.
        #expect(m.value("http_requests_total", ["route": "GET /metrics", "status": "200"]) == 1)

        // Every route's histogram: ascending bounds ending in +Inf, cumulative counts, +Inf == _count == requests.
        let routes = Set(m.samples("http_request_duration_seconds_bucket", where: [:]).compactMap { $0.labels["route"] })
        #expect(routes.isSuperset(of: ["GET /health", "GET /metrics", "unmatched"]))
        for route in routes {
            let buckets = m.samples("http_request_duration_seconds_bucket", where: ["route": route])
            let bounds = buckets.map { $0.labels["le"] == "+Inf" ? Double.infinity : Double($0.labels["le"] ?? "") ?? .nan }
            #expect(bounds == bounds.sorted() && bounds.count >= 2, "\(route): \(bounds)")
            #expect(bounds.first == 0.005 && bounds.last == .infinity && bounds.dropLast().last == 10, "\(route): \(bounds)")
            let counts = buckets.map(\.value)
            #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 <= $1 }, "\(route) not cumulative: \(counts)")
            let count = m.value("http_request_duration_seconds_count", ["route": route])
            #expect(counts.last != nil && counts.last == count, "\(route)")
            let requests = m.samples("http_requests_total", where: ["route": route]).map(\.value).reduce(0, +)
            #expect(count == requests, "\(route)")
            let sum = m.value("http_request_duration_seconds_sum", ["route": route]) ?? -1
            #expect(sum >= 0 && sum < (count ?? 0) * 10, "\(route) sum \(sum)")
        }
        #expect(m.value("http_request_duration_seconds_count", ["route": "GET /health"]) == base + 9)
    }

    @Test func connectionGaugeFollowsOpenConnections() throws {
        let server = try ServerProcess()
        let held = try RawClient(port: server.port)
        try held.send(Req.get("/health"))
        #expect(try held.readResponse().status == 200)
        // `held` and the scrape's own connection are open.
        #expect((try Self.scrape(server.port).value("http_connections_open") ?? 0) >= 2)
        held.close()
        // Once the server has seen both close, only the scraping connection is left.
        #expect(eventually(timeout: 5) { (try? Self.scrape(server.port).value("http_connections_open")) == 1 })
    }

    @Test func processStartTimeIsAPlausibleEpoch() throws {
        let before = Date().timeIntervalSince1970
        let server = try ServerProcess()
        let after = Date().timeIntervalSince1970
        let start = try #require(try Self.scrape(server.port).value("process_start_time_seconds"))
        #expect(start >= before - 1 && start <= after + 1, "start \(start), spawned between \(before) and \(after)")
    }

    @Test func metricsTokenIsRequiredWhenSet() throws {
        let token = "s3cret-metrics-token"
        let server = try ServerProcess(environment: ["ORCHESTRATOR_METRICS_TOKEN": token])
        let c = APIClient(port: server.port)
        for headers in [[], ["Authorization: Bearer wrong"], ["Authorization: Basic \(token)"], ["Authorization: Bearer"],
                        ["Authorization: Bearer \(token)x"]] {
            AccountExpect.error(try c.get("/metrics", headers: headers), 401, "Unauthorized")
        }
        let m = try Self.scrape(server.port, headers: ["Authorization: Bearer \(token)"])
        #expect(m.value("http_requests_total", ["route": "GET /metrics", "status": "401"]) == 5)
        // /health never needs it.
        #expect(try c.get("/health").status == 200)
    }

    // MARK: - CLI

    @Test func migrateAppliesOnceThenReportsNothingPending() throws {
        let dir = try ScratchDir()
        let dataDir = dir.file("nested/data")   // created by migrate
        let first = try OrchestratorCLI.run(["migrate", "--data-dir", dataDir])
        #expect(first.code == 0, "\(first.stderr)")
        let names = Migration.embedded.map(\.name)
        #expect(names.first == "0001_initial_schema")
        #expect(first.stdout == names.map { $0 + "\n" }.joined())

        let second = try OrchestratorCLI.run(["migrate", "--data-dir", dataDir])
        #expect(second.code == 0)
        #expect(second.stdout == "No pending migrations\n")

        let db = try Database.openReader(path: dataDir + "/orchestrator.db")
        #expect(try db.query("SELECT name FROM schema_migrations ORDER BY version") { $0.text(0) } == names)
        #expect(try DBFiles.text(db, "PRAGMA journal_mode") == "wal")
    }

    @Test func backupDuringAWriteLoadIsConsistent() throws {
        // The load signs in from one address far faster than the per-address limit allows: turned off here.
        let server = try ServerProcess(environment: ["ORCHESTRATOR_AUTH_PER_IP_PER_MINUTE": "0"])
        let port = server.port
        let out = try ScratchDir()
        let file = out.file("backup.db")

        // Anonymous sign-ins (a user and a session row each, no password hashing) in a loop, plus a few sign-ups.
        let stop = LockedBox(false)
        let writes = LockedBox(0)
        let failures = LockedBox<[String]>([])
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var n = 0
            while !stop.value {
                do {
                    let c = APIClient(port: port)
                    let r = n % 25 == 0 ? try c.signUp(uniqueEmail("load"), "load password 1") : try c.signInAnonymously()
                    if r.status != 200 && r.status != 201 { failures.withLock { $0.append("status \(r.status)") } }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
                n += 1
                writes.withLock { $0 = n }
            }
            done.signal()
        }
        #expect(eventually(timeout: 30) { writes.value >= 30 })
        let atStart = writes.value
        let backup = try OrchestratorCLI.run(["backup", "--data-dir", server.dataDir, file])
        let atEnd = writes.value
        stop.withLock { $0 = true }
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(backup.code == 0, "\(backup.stderr)")
        #expect(atEnd > atStart, "the load kept writing while the backup ran")
        #expect(failures.value.isEmpty, "\(failures.value)")

        let db = try Database.openReader(path: file)
        #expect(try db.query("PRAGMA integrity_check") { $0.text(0) } == ["ok"])
        #expect(try db.query("PRAGMA foreign_key_check") { $0.text(0) }.isEmpty)
        #expect(try db.query("SELECT name FROM schema_migrations") { $0.text(0) } == Migration.embedded.map(\.name))
        let users = try #require(try DBFiles.int(db, "SELECT COUNT(*) FROM users"))
        #expect(users >= Int64(atStart) && users <= Int64(writes.value), "users \(users), writes \(atStart)...\(writes.value)")
        // Every user in the copy came with its session: the copy is one transaction's snapshot.
        #expect(try DBFiles.int(db, "SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id)") == 0)
    }

    @Test func backupRefusesAnExistingFile() throws {
        let server = try ServerProcess()
        let out = try ScratchDir()
        let file = out.file("taken.db")
        FileManager.default.createFile(atPath: file, contents: Data("keep me".utf8))
        let r = try OrchestratorCLI.run(["backup", "--data-dir", server.dataDir, file])
        #expect(r.code == 1)
        #expect(r.stderr.contains("File exists: \(file)"), "\(r.stderr)")
        #expect(FileManager.default.contents(atPath: file) == Data("keep me".utf8))

        let usage = try OrchestratorCLI.run(["backup", "--data-dir", server.dataDir])
        #expect(usage.code == 2)
    }

    @Test func aBackupRestoresIntoAFreshDataDirectoryWithTheSameKey() throws {
        let server = try ServerProcess()
        let c = APIClient(port: server.port)
        let signed = try c.signUp("restore@example.com", "restore password 1")
        #expect(signed.status == 201)
        c.session = signed.sessionToken
        let created = try c.post("/api/integrations", ["name": "Slack", "type": "slack", "config": ["apiKey": "xoxb-secret"]])
        let id = try #require(created.json?["id"]?.string)

        let out = try ScratchDir()
        let file = out.file("backup.db")
        let backup = try OrchestratorCLI.run(["backup", "--data-dir", server.dataDir, file])
        #expect(backup.code == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("same encryption key"), "\(backup.stdout)")
        var st = stat()
        #expect(stat(file, &st) == 0 && st.st_mode & 0o777 == 0o600, "backups hold password and session hashes")

        // A fresh data directory: the backup as its database, the old key beside it.
        let fresh = try ScratchDir()
        try FileManager.default.copyItem(atPath: file, toPath: fresh.file("orchestrator.db"))
        try FileManager.default.copyItem(atPath: server.dataDir + "/encryption.key", toPath: fresh.file("encryption.key"))
        let restored = try ServerProcess(flags: ["--data-dir", fresh.path])
        let again = APIClient(port: restored.port)
        let signedIn = try again.signIn("restore@example.com", "restore password 1")
        #expect(signedIn.status == 200)
        again.session = signedIn.sessionToken
        let got = try again.get("/api/integrations/\(id)")
        #expect(got.status == 200, "\(got.text)")
        #expect(got.json?["config"] == ["apiKey": "xoxb-secret"])
    }

    @Test func versionPrintsTheVersion() throws {
        let r = try OrchestratorCLI.run(["version"])
        #expect(r.code == 0)
        #expect(r.stdout == AppVersion.current + "\n")
    }

    @Test func unknownCommandIsAUsageError() throws {
        let r = try OrchestratorCLI.run(["frobnicate"])
        #expect(r.code == 2)
        #expect(r.stderr.contains("frobnicate"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let badFlag = try OrchestratorCLI.run(["migrate", "--no-such-flag", "1"])
        #expect(badFlag.code == 2)
    }

    // MARK: - Durability

    @Test func acknowledgedSignUpSurvivesSIGKILL() throws {
        let dir = try ScratchDir()
        let flags = ["--data-dir", dir.path]   // after ServerProcess's own --data-dir, so this one wins
        let email = uniqueEmail("durable")
        let password = "durable password 1"
        let first = try ServerProcess(flags: flags)
        let c = APIClient(port: first.port)
        let created = try c.signUp(email, password)
        #expect(created.status == 201)
        first.kill()
        let code = first.waitForExit(timeout: 10)
        #expect(code == Int32(128 + 9), "exit \(String(describing: code))")

        let second = try ServerProcess(flags: flags)
        let signedIn = try APIClient(port: second.port).signIn(email, password)
        #expect(signedIn.status == 200)
        #expect(signedIn.user == created.user)
        // The session acknowledged with the sign-up survived too.
        #expect(try APIClient(port: second.port, session: c.session).get("/api/user").json == created.user)
    }
}
