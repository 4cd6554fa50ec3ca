// A bounded table of counters in fixed time windows, keyed by string, with oldest-first eviction in O(1) amortised.
// The rate limiters' storage. Not thread-safe: its owner holds it in a Mutex.

/// Counters per key, each in its own window that starts at its first hit. At `capacity`, a new key evicts the oldest
/// entry that is expired or not protected (a lock-out is protected until its window ends); when none is found within a
/// bounded scan the new key is refused, so memory never grows past `capacity` and a lock-out is never forgotten.
struct WindowTable {
    struct Entry {
        var count: Int
        var windowStart: Int64
        var seq: UInt64
    }

    /// How many live entries one eviction may look at before refusing.
    static let evictionScan = 32

    let capacity: Int
    let windowMs: Int64
    private(set) var entries: [String: Entry] = [:]
    /// Insertion order; a record whose `seq` no longer matches its entry is stale and skipped.
    private var order: [(key: String, seq: UInt64)] = []
    private var head = 0
    private var nextSeq: UInt64 = 0

    init(capacity: Int, windowMs: Int64) {
        self.capacity = max(1, capacity)
        self.windowMs = windowMs
    }

    var count: Int { entries.count }

    /// The live entry for `key` at `now` (nil when absent or its window is over).
    func live(_ key: String, now: Int64) -> Entry? {
        guard let e = entries[key], now - e.windowStart < windowMs else { return nil }
        return e
    }

    /// Adds one to `key`'s live entry, or starts a new window for it with count 1. Returns the entry, or nil when the
    /// table is full of protected entries (the caller refuses the request).
    mutating func hit(_ key: String, now: Int64, isProtected: (Entry) -> Bool) -> Entry? {
        if var e = entries[key] {
            if now - e.windowStart < windowMs {
                e.count += 1
                entries[key] = e
                return e
            }
            entries[key] = nil   // expired: starts over below, at the back of the order
        }
        if entries.count >= capacity && !evictOne(now: now, isProtected: isProtected) { return nil }
        nextSeq &+= 1
        let e = Entry(count: 1, windowStart: now, seq: nextSeq)
        entries[key] = e
        order.append((key, nextSeq))
        return e
    }

    mutating func remove(_ key: String) {
        entries[key] = nil
    }

    /// Drops the oldest evictable entry; false when `evictionScan` live entries were all protected.
    private mutating func evictOne(now: Int64, isProtected: (Entry) -> Bool) -> Bool {
        var looked = 0
        while head < order.count && looked < WindowTable.evictionScan {
            let record = order[head]
            head += 1
            compact()
            guard let e = entries[record.key], e.seq == record.seq else { continue }   // stale record
            if now - e.windowStart >= windowMs || !isProtected(e) {
                entries[record.key] = nil
                return true
            }
            looked += 1
            order.append(record)   // still locked out: look again later
        }
        return false
    }

    private mutating func compact() {
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
