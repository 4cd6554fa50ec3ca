// Shared helpers for StoreTests: a fresh temp directory per test, migrated databases and row fixtures.
// Every test builds its own files, so suites run in parallel.
import Foundation
import Store
import Testing

/// A directory of its own under the system temp dir, removed when `body` returns.
@discardableResult
func withTempDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "store-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// `withTempDirectory` for async tests.
@discardableResult
func withTempDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "store-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// A freshly created and migrated database file in its own temp directory.
@discardableResult
func withMigratedDatabase<T>(_ body: (Database, String) throws -> T) throws -> T {
    try withTempDirectory { dir in
        let path = dir + "/test.db"
        let db = try Database.open(path: path)
        try Migrator.migrate(db)
        return try body(db, path)
    }
}

/// Repository root, found from this file's path (Tests/StoreTests/TestSupport.swift).
func repositoryRoot(filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Rows in `table`. Table names are identifiers, not values, so they cannot be `?` parameters; these are constants.
func count(_ db: Database, _ table: String) throws -> Int64 {
    try db.queryOne("SELECT count(*) FROM \(table)", [], { $0.int(0) }) ?? -1
}

/// Thread-safe collection for results delivered by `Writer` completions.
final class Collector<Element: Sendable>: @unchecked Sendable {   // guarded by `lock`
    private let lock = NSLock()
    private var items: [Element] = []

    func append(_ item: Element) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }

    var all: [Element] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// Rows of the real schema with every NOT NULL column filled. Timestamps are epoch ms.
enum Fixture {
    static let now: Int64 = 1_736_935_200_000   // 2025-01-15T10:00:00.000Z

    static func user(_ db: Database, _ id: String, email: String? = nil) throws {
        try db.run("""
            INSERT INTO users (id, name, email, is_anonymous, provider_id, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), "Ada", SQLValue(email), SQLValue(email == nil),
                  .text(email == nil ? "anonymous" : "credential"), .int(now), .int(now)])
    }

    static func session(_ db: Database, _ id: String, user: String, tokenHash: String) throws {
        try db.run("""
            INSERT INTO sessions (id, user_id, token_hash, expires_at, created_at, updated_at, last_renewed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(user), .text(tokenHash), .int(now + 604_800_000), .int(now), .int(now), .int(now)])
    }

    static func workflow(_ db: Database, _ id: String, user: String, visibility: String = "private") throws {
        try db.run("""
            INSERT INTO workflows (id, user_id, name, visibility, nodes, edges, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(user), "Lead router", .text(visibility), "[]", "[]", .int(now), .int(now)])
    }

    static func execution(_ db: Database, _ id: String, workflow: String, user: String,
                          status: String = "running", startedAt: Int64 = now) throws {
        try db.run("""
            INSERT INTO executions (id, workflow_id, user_id, status, trigger_kind, input, nodes, edges, started_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(workflow), .text(user), .text(status), "manual", "{}", "[]", "[]", .int(startedAt)])
    }

    static func log(_ db: Database, _ id: String, execution: String, seq: Int64) throws {
        try db.run("""
            INSERT INTO execution_logs (id, execution_id, seq, node_id, node_name, node_type, status, started_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(execution), .int(seq), "t1", "Manual", "trigger", "running", .int(now)])
    }

    static func integration(_ db: Database, _ id: String, user: String, type: String = "slack") throws {
        try db.run("""
            INSERT INTO integrations (id, user_id, name, type, config_encrypted, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(user), "Team Slack", .text(type), "v1:00:00:00", .int(now), .int(now)])
    }

    static func apiKey(_ db: Database, _ id: String, user: String, hash: String) throws {
        try db.run("""
            INSERT INTO api_keys (id, user_id, name, key_hash, key_prefix, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(user), nil, .text(hash), "wfb_aB3cD4e", .int(now)])
    }

    static func ledger(_ db: Database, workflow: String, slot: Int64, execution: String? = nil) throws {
        try db.run("""
            INSERT INTO schedule_ledger (workflow_id, slot, execution_id, created_at) VALUES (?, ?, ?, ?)
            """, [.text(workflow), .int(slot), SQLValue(execution), .int(now)])
    }

    static func idempotency(_ db: Database, workflow: String, key: String, execution: String) throws {
        try db.run("""
            INSERT INTO webhook_idempotency (workflow_id, key, execution_id, created_at) VALUES (?, ?, ?, ?)
            """, [.text(workflow), .text(key), .text(execution), .int(now)])
    }
}
