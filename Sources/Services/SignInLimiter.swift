// The sign-in rate limits (SPEC §1): failed attempts per (email, client IP), and requests per client IP to the three
// sign-in/sign-up routes. In memory (a restart forgets them), bounded tables. Thread-safe (one mutex each).
import Crypto
import Synchronization

/// Failed sign-ins per (email, client IP): `maxFailures` within a window that starts at the first failure lock the
/// pair out for the rest of the window; success clears it. An attempt counts as a failure as soon as it starts
/// (`begin`) and is forgotten on success (`clear`), so concurrent guesses are limited too. Keys hold SHA-256 of the
/// email, so hostile emails cannot grow memory.
final class SignInLimiter: Sendable {
    static let maxEntries = 100_000
    let maxFailures: Int
    private let table: Mutex<WindowTable>

    init(maxFailures: Int, windowMs: Int64, capacity: Int = SignInLimiter.maxEntries) {
        self.maxFailures = maxFailures
        table = Mutex(WindowTable(capacity: capacity, windowMs: windowMs))
    }

    static func key(_ email: String, _ ip: String) -> String { SHA256.hex(email) + " " + ip }

    /// Starts an attempt: nil when it may go ahead (and it now counts as a failure), else the seconds until the
    /// lock-out ends. A table full of live lock-outs refuses new pairs rather than forget one.
    func begin(email: String, ip: String, now: Int64) -> Int? {
        let key = SignInLimiter.key(email, ip)
        let maxFailures = self.maxFailures
        return table.withLock { t -> Int? in
            if let e = t.live(key, now: now), e.count >= maxFailures { return t.retryAfter(e, now: now) }
            guard t.hit(key, now: now, isProtected: { $0.count >= maxFailures }) != nil else { return 1 }
            return nil
        }
    }

    /// When the pair's current lock-out began, or nil when it is not locked out.
    func lockedSince(email: String, ip: String, now: Int64) -> Int64? {
        let key = SignInLimiter.key(email, ip)
        let maxFailures = self.maxFailures
        return table.withLock { t in
            guard let e = t.live(key, now: now), e.count >= maxFailures else { return nil }
            return e.windowStart
        }
    }

    /// A successful sign-in clears the pair.
    func clear(email: String, ip: String) {
        let key = SignInLimiter.key(email, ip)
        table.withLock { $0.remove(key) }
    }

    var entryCount: Int { table.withLock { $0.count } }
}

/// Requests per client address (IPv6 per /64) to the sign-up, sign-in and anonymous sign-in routes together, in
/// one-minute windows. `limit` 0 turns it off.
final class AddressLimiter: Sendable {
    static let maxEntries = 100_000
    let limit: Int
    private let table: Mutex<WindowTable>

    init(limit: Int, windowMs: Int64 = 60_000, capacity: Int = AddressLimiter.maxEntries) {
        self.limit = limit
        table = Mutex(WindowTable(capacity: capacity, windowMs: windowMs))
    }

    /// Counts one request from `address` (a rate key, see `ClientAddress`): nil when allowed, else seconds to wait.
    func hit(_ address: String, now: Int64) -> Int? {
        guard limit > 0 else { return nil }
        let limit = self.limit
        return table.withLock { t -> Int? in
            if let e = t.live(address, now: now), e.count >= limit { return t.retryAfter(e, now: now) }
            guard t.hit(address, now: now, isProtected: { $0.count >= limit }) != nil else { return 1 }
            return nil
        }
    }

    var entryCount: Int { table.withLock { $0.count } }
}

extension WindowTable {
    /// Whole seconds until `e`'s window ends (at least 1).
    func retryAfter(_ e: Entry, now: Int64) -> Int {
        max(1, Int((e.windowStart + windowMs - now + 999) / 1000))
    }
}
