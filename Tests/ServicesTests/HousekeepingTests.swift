// Hourly housekeeping (SPEC §1) with an injected clock: expired sessions go; anonymous users go 7 days after their
// last session ended, with their data; nothing else is touched.
import Foundation
import Synchronization
import Testing
import Store
@testable import Services

final class TestClock: Sendable {
    private let ms = Atomic<Int64>(1_700_000_000_000)
    var now: Int64 { ms.load(ordering: .relaxed) }
    func advance(days: Int64) { ms.add(days * 86_400_000, ordering: .relaxed) }
    func advance(ms delta: Int64) { ms.add(delta, ordering: .relaxed) }
}

/// A migrated database in a fresh temp directory, removed at deinit.
final class TempStorage {
    let dir: String
    let storage: Storage

    init() throws {
        dir = NSTemporaryDirectory() + "svc-\(UUID().uuidString)"
        storage = try Storage(path: dir + "/orchestrator.db", loops: 1, logger: nil, makeDirectory: dir)
    }

    deinit {
        storage.close()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func count(_ sql: String) throws -> Int64 {
        try storage.read { db in try db.queryOne(sql, []) { $0.int(0) } ?? -1 }
    }
}

@Suite struct HousekeepingTests {
    func insertUser(_ db: Database, _ id: String, anonymous: Bool, at: Int64) throws {
        try db.run("""
            INSERT INTO users (id, name, email, is_anonymous, provider_id, created_at, updated_at)
            VALUES (?, 'x', ?, ?, ?, ?, ?)
            """, [.text(id), anonymous ? .null : .text("\(id)@example.com"), .int(anonymous ? 1 : 0),
                  .text(anonymous ? "anonymous" : "credential"), .int(at), .int(at)])
    }

    func insertSession(_ db: Database, _ id: String, user: String, expires: Int64) throws {
        try db.run("""
            INSERT INTO sessions (id, user_id, token_hash, expires_at, created_at, updated_at, last_renewed_at)
            VALUES (?, ?, ?, ?, 0, 0, 0)
            """, [.text(id), .text(user), .text("hash-\(id)"), .int(expires)])
    }

    @Test func deletesExpiredSessionsAndAnonymousUsersSevenDaysAfterTheirLastSession() throws {
        let t = try TempStorage()
        let clock = TestClock()
        let start = clock.now
        let day: Int64 = 86_400_000
        try t.storage.writer.sync { db in
            try self.insertUser(db, "user_named", anonymous: false, at: start)
            try self.insertUser(db, "user_anon_old", anonymous: true, at: start)
            try self.insertUser(db, "user_anon_live", anonymous: true, at: start)
            try self.insertSession(db, "s1", user: "user_named", expires: start + 7 * day)
            try self.insertSession(db, "s2", user: "user_anon_old", expires: start + 7 * day)
            try self.insertSession(db, "s3", user: "user_anon_live", expires: start + 7 * day)
            try self.insertSession(db, "s4", user: "user_anon_live", expires: start + 20 * day)
            try db.run("""
                INSERT INTO workflows (id, user_id, name, description, visibility, nodes, edges, created_at, updated_at)
                VALUES ('wf_anon', 'user_anon_old', 'w', NULL, 'private', '[]', '[]', 0, 0)
                """)
        }
        let housekeeping = Housekeeping(storage: t.storage, clock: { clock.now }, logger: nil)
        #expect(try housekeeping.run() == .init(sessions: 0, anonymousUsers: 0))

        clock.advance(days: 8)   // s1..s3 expired a day ago
        #expect(try housekeeping.run() == .init(sessions: 3, anonymousUsers: 0))
        #expect(try t.count("SELECT count(*) FROM users") == 3)

        clock.advance(days: 5)   // 6 days after the last session ended: kept
        #expect(try housekeeping.run() == .init(sessions: 0, anonymousUsers: 0))

        clock.advance(ms: day + 1)  // just over 7 days: the anonymous user goes with its workflow
        #expect(try housekeeping.run() == .init(sessions: 0, anonymousUsers: 1))
        #expect(try t.count("SELECT count(*) FROM users WHERE id = 'user_anon_old'") == 0)
        #expect(try t.count("SELECT count(*) FROM workflows WHERE id = 'wf_anon'") == 0)
        // The named user (no live session) and the anonymous user with a live session stay.
        #expect(try t.count("SELECT count(*) FROM users WHERE id IN ('user_named', 'user_anon_live')") == 2)
        #expect(try t.count("SELECT count(*) FROM sessions") == 1)
    }
}
