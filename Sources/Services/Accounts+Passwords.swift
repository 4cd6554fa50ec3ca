// Passwords (SPEC §1 `POST /api/user/password`, §14 `user password`): the current password checked like a sign-in,
// the new one stored with its change time (which voids older lock-outs), other sessions ended. Any thread; hashing on
// the accounts' hashing pool.
import Crypto
import Domain
import JSON
import Store

extension Accounts {
    /// `POST /api/user/password`: the current password checked (a wrong one counts as a failed sign-in), the new one
    /// stored, every other session of the user deleted.
    public func changePassword(_ body: JSON, session: Session, ip: String, db: Database) throws -> Pending<Void> {
        let user = session.user
        guard !user.isAnonymous, user.providerId == "credential", let email = user.email else {
            throw AppError.forbidden("Cannot change password for this account")
        }
        let current: String
        switch body["currentPassword"] {
        case nil, .null?: throw AppError.badRequest("Current password is incorrect")
        case .string(let p)?: current = p
        default: throw AppError.badRequest("currentPassword must be a string")
        }
        let fresh: String
        switch body["newPassword"] {
        case nil, .null?: throw AppError.badRequest("Password must be at least 8 characters")
        case .string(let p)?: fresh = p
        default: throw AppError.badRequest("newPassword must be a string")
        }
        try Accounts.validatePassword(fresh)
        try beginAttempt(email: email, ip: ip, db: db)
        let storage = self.storage
        let limiter = self.limiter
        let clock = self.clock
        return try hashJob({ () throws -> String in
            let stored = try storage.read { db in try Accounts.userWithPassword(email: email, db: db) }?.1
            guard let stored, PasswordHash.verify(current, against: stored) else {
                throw AppError.badRequest("Current password is incorrect")
            }
            limiter.clear(email: email, ip: ip)
            return try Accounts.hash(fresh)
        }) { db, hash in
            try Accounts.setPassword(userID: user.id, hash: hash, now: clock(), keepingSession: session.id, db: db)
        }
    }

    /// `user password`: sets the password of the user with `email` (already normalised), deletes all of its sessions
    /// and clears its lock-outs. Blocks. 404 `"User not found"`, 403 for anonymous and OAuth users.
    public func setPassword(email: String, passwordHash: String) throws {
        guard let user = try user(email: email) else { throw AppError.notFound("User not found") }
        guard user.providerId == "credential" else { throw AppError.forbidden("Cannot change password for this account") }
        let now = clock()
        do {
            try storage.writer.sync { db in try Accounts.setPassword(userID: user.id, hash: passwordHash, now: now, keepingSession: nil, db: db) }
        } catch {
            throw AppError.from(error)
        }
    }

    static func setPassword(userID: UserID, hash: String, now: Int64, keepingSession keep: SessionID?, db: Database) throws {
        try db.run("UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?",
                   [.text(hash), .int(now), .int(now), .text(userID.raw)])
        try db.run("DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?",
                   [.text(userID.raw), keep.map { .text($0.raw) } ?? .null])
    }
}
