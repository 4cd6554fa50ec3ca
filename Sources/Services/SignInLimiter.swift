// The sign-in rate limit (SPEC §1): failed attempts per (email, client IP), in memory. Thread-safe (one mutex).
import Crypto
import Synchronization

/// Failed sign-ins per (email, client IP): `maxFailures` within a window that starts at the first failure lock the
/// pair out for the rest of the window; success clears it. An attempt counts as a failure as soon as it starts
/// (`begin`) and is forgotten on success (`clear`), so concurrent guesses are limited too. Keys hold SHA-256 of the
/// email, so hostile emails cannot grow memory; the table is capped. In memory (a restart forgets it). Thread-safe.
final class SignInLimiter: Sendable {
    struct Entry { var failures: Int; var windowStart: Int64 }

    static let maxEntries = 100_000
    let maxFailures: Int
    let windowMs: Int64
    private let entries = Mutex<[String: Entry]>([:])

    init(maxFailures: Int, windowMs: Int64) {
        self.maxFailures = maxFailures
        self.windowMs = windowMs
    }

    static func key(_ email: String, _ ip: String) -> String { SHA256.hex(email) + " " + ip }

    /// Starts an attempt: nil when it may go ahead (and it now counts as a failure), else the seconds until the
    /// lock-out ends.
    func begin(email: String, ip: String, now: Int64) -> Int? {
        let key = SignInLimiter.key(email, ip)
        return entries.withLock { map -> Int? in
            if var e = map[key], now - e.windowStart < windowMs {
                if e.failures >= maxFailures { return Int((e.windowStart + windowMs - now + 999) / 1000) }
                e.failures += 1
                map[key] = e
                return nil
            }
            if map.count >= SignInLimiter.maxEntries {
                map = map.filter { now - $0.value.windowStart < windowMs }
                if map.count >= SignInLimiter.maxEntries { map.removeAll() }   // under a spray, forget rather than grow
            }
            map[key] = Entry(failures: 1, windowStart: now)
            return nil
        }
    }

    /// A successful sign-in clears the pair.
    func clear(email: String, ip: String) {
        let key = SignInLimiter.key(email, ip)
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
