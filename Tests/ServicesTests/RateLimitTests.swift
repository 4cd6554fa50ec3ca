// The sign-in limits (SPEC §1): the bounded window table, lock-outs never evicted, per-address counting (IPv6 per /64,
// forwarded junk ignored).
import Testing
@testable import Services

@Suite struct WindowTableTests {
    @Test func evictsTheOldestUnprotectedEntryAtCapacity() {
        var t = WindowTable(capacity: 3, windowMs: 1000)
        for k in ["a", "b", "c"] { _ = t.hit(k, now: 0, isProtected: { _ in false }) }
        #expect(t.hit("d", now: 1, isProtected: { _ in false }) != nil)
        #expect(t.count == 3)
        #expect(t.live("a", now: 1) == nil)
        #expect(t.live("b", now: 1) != nil && t.live("d", now: 1) != nil)
    }

    @Test func neverEvictsAProtectedEntryAndRefusesWhenAllAreProtected() {
        var t = WindowTable(capacity: 2, windowMs: 1000)
        _ = t.hit("locked", now: 0, isProtected: { _ in false })
        _ = t.hit("open", now: 0, isProtected: { _ in false })
        let isLocked: (WindowTable.Entry) -> Bool = { $0.count >= 2 }
        _ = t.hit("locked", now: 1, isProtected: isLocked)          // count 2: protected from now on
        #expect(t.hit("new", now: 2, isProtected: isLocked) != nil)  // evicts "open", not the older "locked"
        #expect(t.live("locked", now: 2)?.count == 2)
        #expect(t.live("open", now: 2) == nil)
        _ = t.hit("new", now: 3, isProtected: isLocked)              // both protected now
        #expect(t.hit("newer", now: 4, isProtected: isLocked) == nil)
        #expect(t.count == 2)
        // Once the windows end the entries may go.
        #expect(t.hit("newer", now: 1001, isProtected: isLocked) != nil)
    }

    @Test func staysBoundedUnderASprayOfKeys() {
        var t = WindowTable(capacity: 1000, windowMs: 60_000)
        for i in 0..<50_000 { _ = t.hit("k\(i)", now: Int64(i), isProtected: { _ in false }) }
        #expect(t.count == 1000)
        #expect(t.live("k49999", now: 50_000) != nil)
    }
}

@Suite struct SignInLimiterTests {
    @Test func locksOutAfterMaxFailuresAndSuccessClears() {
        let l = SignInLimiter(maxFailures: 3, windowMs: 60_000)
        for _ in 0..<3 { #expect(l.begin(email: "a@x.io", ip: "1.2.3.4", now: 0) == nil) }
        #expect(l.begin(email: "a@x.io", ip: "1.2.3.4", now: 1000) == 59)
        #expect(l.begin(email: "a@x.io", ip: "5.6.7.8", now: 1000) == nil)
        l.clear(email: "a@x.io", ip: "5.6.7.8")
        #expect(l.begin(email: "a@x.io", ip: "1.2.3.4", now: 60_000) == nil)
    }

    @Test func aFullTableKeepsEveryLockOut() {
        let l = SignInLimiter(maxFailures: 1, windowMs: 60_000, capacity: 100)
        for i in 0..<100 { #expect(l.begin(email: "u\(i)@x.io", ip: "1.1.1.1", now: 0) == nil) }
        // Every entry is now a lock-out: new pairs are refused rather than one forgotten.
        #expect(l.begin(email: "new@x.io", ip: "1.1.1.1", now: 1) != nil)
        #expect(l.begin(email: "u0@x.io", ip: "1.1.1.1", now: 2) != nil)
        #expect(l.entryCount == 100)
    }
}

@Suite struct AddressLimiterTests {
    @Test func countsPerAddressPerMinute() {
        let l = AddressLimiter(limit: 3)
        for _ in 0..<3 { #expect(l.hit("4:1.2.3.4", now: 0) == nil) }
        #expect(l.hit("4:1.2.3.4", now: 30_000) == 30)
        #expect(l.hit("4:9.9.9.9", now: 30_000) == nil)
        #expect(l.hit("4:1.2.3.4", now: 60_000) == nil)
    }

    @Test func zeroTurnsItOff() {
        let l = AddressLimiter(limit: 0)
        for _ in 0..<1000 { #expect(l.hit("4:1.2.3.4", now: 0) == nil) }
        #expect(l.entryCount == 0)
    }

    @Test func ipv6CountsPerSlash64AndMappedIPv4AsIPv4() {
        #expect(ClientAddress.rateKey("2001:db8:1:2:aaaa::1") == ClientAddress.rateKey("2001:db8:1:2:bbbb::2"))
        #expect(ClientAddress.rateKey("2001:db8:1:2::1") != ClientAddress.rateKey("2001:db8:1:3::1"))
        #expect(ClientAddress.rateKey("::ffff:10.0.0.7") == ClientAddress.rateKey("10.0.0.7"))
        #expect(ClientAddress.rateKey("[::1]") == ClientAddress.rateKey("::1"))
        #expect(ClientAddress.rateKey("not-an-ip") == nil)
        #expect(ClientAddress.rateKey("1.2.3.4, 5.6.7.8") == nil)
        #expect(ClientAddress.rateKey("") == nil)
    }
}
