// Overload and abuse (issue 11) against the spawned binary, reading its memory from /proc/<pid>/status: every queue
// bounded, nothing held for a client that left, and a well-behaved client still served meanwhile. Each test is bounded
// in time and talks to 127.0.0.1 only.
import Dispatch
import Foundation
import Synchronization
import Testing
import JSON

/// The server's resident memory from /proc: now (VmRSS) and the peak so far (VmHWM), in MiB.
enum Memory {
    static func field(_ pid: pid_t, _ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } ?? -1
            return kb / 1024
        }
        return -1
    }
    static func rss(_ pid: pid_t) -> Int { field(pid, "VmRSS") }
    static func peak(_ pid: pid_t) -> Int { field(pid, "VmHWM") }
}

/// Runs `body(i)` for i in 0..<count on `threads` threads; returns when all are done.
func parallel(_ count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let next = Atomic<Int>(0)
    let group = DispatchGroup()
    for _ in 0..<threads {
        group.enter()
        Thread.detachNewThread {
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                if i >= count { break }
                body(i)
            }
            group.leave()
        }
    }
    group.wait()
}

@Suite(.serialized) struct AbuseTests {
    /// A workflow whose stored graph is about `mebibytes` MiB: `nodes` actions with long config strings.
    static func bigWorkflow(_ c: APIClient, mebibytes: Int) throws -> String {
        let nodes = 64
        let filler = String(repeating: "x", count: mebibytes * 1_048_576 / nodes)
        var list: [JSON] = [["id": "t", "data": ["type": "trigger", "label": "T", "config": ["triggerType": "Manual"]]]]
        for i in 0..<nodes {
            list.append(["id": .string("n\(i)"), "data": ["type": "action", "label": .string("N\(i)"),
                                                            "config": ["actionType": "HTTP Request", "endpoint": .string("https://example.com/\(filler)")]]])
        }
        let created = try c.post("/api/workflows/create", ["name": "big", "nodes": .array(list), "edges": []])
        #expect(created.status == 201, "\(created.text.prefix(200))")
        return try #require(created.json?["id"]?.string)
    }

    @Test func resetGetsOfALargePublicWorkflowHoldNothing() throws {
        let server = try ServerProcess()
        let owner = APIClient(port: server.port)
        owner.timeout = 60
        #expect(try owner.signUp(uniqueEmail("big"), "big password 1").status == 201)
        let id = try Self.bigWorkflow(owner, mebibytes: 4)
        #expect(try owner.patch("/api/workflows/\(id)", ["visibility": "public"]).status == 200)
        print("abuse: after creating a 4 MiB workflow: peak RSS \(Memory.peak(server.pid)) MiB, now \(Memory.rss(server.pid)) MiB")
        let port = server.port
        let request = Array(Req.make("GET", "/api/workflows/\(id)").utf8)
        let served = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
        // A well-behaved client meanwhile: /health and a real sign-in keep answering.
        let email = uniqueEmail("good")
        #expect(try APIClient(port: port).signUp(email, "good password 1").status == 201)
        let good = Thread { }
        _ = good
        let watcher = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while !done.load(ordering: .relaxed) {
                if (try? APIClient(port: port).get("/health").status) == 200 { served.add(1, ordering: .relaxed) }
                sleepSeconds(0.05)
            }
            watcher.signal()
        }
        parallel(2000, threads: 8) { _ in
            guard let c = try? RawClient(port: port) else { return }
            try? c.send(request)
            c.reset()
        }
        #expect(try APIClient(port: port).signIn(email, "good password 1").status == 200)
        done.store(true, ordering: .relaxed)
        watcher.wait()
        let peak = Memory.peak(server.pid)
        print("abuse: reset GETs of a 4 MiB public workflow: peak RSS \(peak) MiB, health answered \(served.load(ordering: .relaxed))")
        #expect(peak > 0 && peak < 200, "peak RSS \(peak) MiB")
        #expect(served.load(ordering: .relaxed) > 0)
        // It falls back once the work is gone.
        #expect(eventually(timeout: 15) { Memory.rss(server.pid) < max(100, peak / 2 + 20) }, "RSS \(Memory.rss(server.pid)) MiB")
        #expect(try APIClient(port: port).get("/api/workflows/\(id)").status == 200)
    }

    @Test func slowReadersOfLargeResponsesAreDroppedAndMemoryStaysBounded() throws {
        let server = try ServerProcess()
        let owner = APIClient(port: server.port)
        owner.timeout = 60
        #expect(try owner.signUp(uniqueEmail("slow"), "slow password 1").status == 201)
        let id = try Self.bigWorkflow(owner, mebibytes: 7)   // the most an 8 MiB create body holds
        let cookie = "Cookie: orchestrator_session=\(owner.session ?? "")"
        let request = Array(Req.make("GET", "/api/workflows/\(id)", headers: [cookie]).utf8)
        let port = server.port
        // 500 readers that take a few bytes a second, through a tiny receive window.
        var slow: [RawClient] = []
        print("abuse: after creating a 7 MiB workflow: peak RSS \(Memory.peak(server.pid)) MiB")
        var refused = 0
        for _ in 0..<500 {
            // A reader the server already dropped (over the unsent cap) may refuse the request: that is the point.
            guard let c = try? RawClient(port: port, timeout: 1, receiveBuffer: 4096), (try? c.send(request)) != nil else {
                refused += 1
                continue
            }
            slow.append(c)
        }
        // Three fast readers get the whole answer meanwhile.
        let fastOK = Atomic<Int>(0)
        parallel(3, threads: 3) { _ in
            guard let c = try? RawClient(port: port, timeout: 60) else { return }
            if (try? c.send(request)) != nil, let r = try? c.readResponse(), r.status == 200, r.body.count > 7_000_000 {
                fastOK.add(1, ordering: .relaxed)
            }
        }
        #expect(fastOK.load(ordering: .relaxed) == 3)
        // The slow readers trickle-read; the server must drop every one of them (its open-connection gauge falls to
        // the one asking) within 25 s.
        func openConnections() -> Int {
            let text = (try? APIClient(port: port).get("/metrics").text) ?? ""
            let line = text.split(separator: "\n").first { $0.hasPrefix("http_connections_open ") }
            return line.flatMap { Int($0.split(separator: " ")[1]) } ?? -1
        }
        let deadline = monotonicSeconds() + 25
        var open = openConnections()
        while open > 1 && monotonicSeconds() < deadline {
            for c in slow {
                c.setTimeout(0.001)
                _ = try? c.read(exactly: 1)
            }
            sleepSeconds(0.5)
            open = openConnections()
        }
        let hwm = Memory.peak(server.pid)
        print("abuse: 500 slow readers of a 7 MiB answer: peak RSS \(hwm) MiB, refused \(refused), still open: \(open - 1)")
        #expect(open == 1, "\(open - 1) slow readers still held")
        #expect(hwm > 0 && hwm < 400, "peak RSS \(hwm) MiB")
        #expect(try APIClient(port: port).get("/health").status == 200)
    }

    @Test func aSignInFloodFromOneAddressIsLimitedAndTheHashQueueBounded() throws {
        let server = try ServerProcess()
        let port = server.port
        let statuses = Mutex<[Int: Int]>([:])
        parallel(3000, threads: 16) { i in
            let s = (try? APIClient(port: port).signIn("flood-\(i)-\(UInt32.random(in: 0...UInt32.max))@example.com", "whatever 123").status) ?? -1
            statuses.withLock { $0[s, default: 0] += 1 }
        }
        let counts = statuses.withLock { $0 }
        print("abuse: 3000 sign-ins from one address: \(counts)")
        #expect(counts[401] == 60, "\(counts)")   // the per-address limit: 60 a minute reach the password check
        #expect(counts[429] == 2940, "\(counts)")
        // With the per-address limit off, the hash queue's bound answers 503 "Server busy" instead of queueing.
        let open = try ServerProcess(environment: ["ORCHESTRATOR_AUTH_PER_IP_PER_MINUTE": "0"])
        let busy = Mutex<[Int: Int]>([:])
        let p2 = open.port
        parallel(600, threads: 200) { i in
            let r = try? APIClient(port: p2).signIn("open-\(i)@example.com", "whatever 123")
            busy.withLock { $0[r?.status ?? -1, default: 0] += 1 }
            if r?.status == 503 { #expect(r?.header("Retry-After") == "1" && r?.error == "Server busy") }
        }
        let b = busy.withLock { $0 }
        let hwm = Memory.peak(open.pid)
        print("abuse: 600 concurrent sign-ins, no address limit: \(b), peak RSS \(hwm) MiB")
        #expect((b[503] ?? 0) > 0 && (b[401] ?? 0) >= 64 && (b[401] ?? 0) + (b[503] ?? 0) == 600, "\(b)")
        #expect(hwm < 400, "peak RSS \(hwm) MiB")
        #expect(try APIClient(port: p2).signUp(uniqueEmail("real"), "real password 1").status == 201)
    }

    @Test func anAnonymousSignInFloodIsLimited() throws {
        let server = try ServerProcess()
        let port = server.port
        let statuses = Mutex<[Int: Int]>([:])
        parallel(5000, threads: 16) { _ in
            let s = (try? APIClient(port: port).signInAnonymously().status) ?? -1
            statuses.withLock { $0[s, default: 0] += 1 }
        }
        let counts = statuses.withLock { $0 }
        print("abuse: 5000 anonymous sign-ins from one address: \(counts)")
        #expect(counts[200] == 60 && counts[429] == 4940, "\(counts)")
    }
}
