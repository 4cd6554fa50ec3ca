// Hourly housekeeping (SPEC §1): expired sessions deleted; anonymous users with no live session for 7 days deleted
// with their data (foreign keys cascade). Runs as one group-commit unit; called from the App's timer thread (or a test).
import Domain
import Log
import Store

/// Deletes what nobody can use any more.
public final class Housekeeping: Sendable {
    /// An anonymous user is kept this long after its last session ended.
    static let anonymousGraceMs: Int64 = 7 * 24 * 3600 * 1000
    let storage: Storage
    let clock: @Sendable () -> Int64
    let logger: Logger?

    public init(storage: Storage, clock: @escaping @Sendable () -> Int64, logger: Logger?) {
        self.storage = storage
        self.clock = clock
        self.logger = logger
    }

    /// What one pass deleted.
    public struct Outcome: Sendable, Equatable {
        public let sessions: Int
        public let anonymousUsers: Int
    }

    /// One pass, now. Blocks until it is durable; not on an event loop or the writer thread.
    @discardableResult
    public func run() throws -> Outcome {
        let now = clock()
        let cutoff = now - Housekeeping.anonymousGraceMs
        let outcome = try storage.writer.sync { db -> Outcome in
            // An anonymous user's `updated_at` keeps when its last session ended, since the session rows go now.
            try db.run("""
                UPDATE users SET updated_at = max(updated_at,
                    (SELECT max(s.expires_at) FROM sessions s WHERE s.user_id = users.id AND s.expires_at <= ?))
                WHERE is_anonymous = 1
                  AND EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = users.id AND s.expires_at <= ?)
                """, [.int(now), .int(now)])
            let sessions = try db.run("DELETE FROM sessions WHERE expires_at <= ?", [.int(now)])
            let users = try db.run("""
                DELETE FROM users WHERE is_anonymous = 1 AND updated_at < ?
                  AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = users.id)
                """, [.int(cutoff)])
            // Idempotency keys of webhooks last 24 h (SPEC §7).
            try db.run("DELETE FROM webhook_idempotency WHERE created_at <= ?", [.int(now - 24 * 3600 * 1000)])
            return Outcome(sessions: sessions, anonymousUsers: users)
        }
        if outcome.sessions > 0 || outcome.anonymousUsers > 0 {
            logger?.info("housekeeping", ["sessions_deleted": .int(outcome.sessions),
                                          "anonymous_users_deleted": .int(outcome.anonymousUsers)])
        }
        return outcome
    }
}
