// Writer: group commit (many concurrent units, few commits), per-unit failure isolation, failing commits, close.
// Each test owns its writer and temp file; a gate unit holding the writer thread makes batches deterministic.
import Foundation
import Store
import Synchronization
import Testing

@Suite struct WriterTests {
    struct Boom: Error {}

    /// A writer on a fresh file holding `t(id, label)` and a parent/child pair for deferred foreign keys.
    static func makeWriter(in dir: String) throws -> Writer {
        let path = dir + "/w.db"
        try Database.open(path: path).execute("""
            CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT NOT NULL) STRICT;
            CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT;
            CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id)) STRICT;
            """)
        return try Writer(path: path)
    }

    /// Occupies the writer thread with one unit until `release` returns true, so that units submitted meanwhile
    /// queue up and form the next batch. Returns once the gate unit is running.
    static func hold(_ writer: Writer, until release: @escaping @Sendable () -> Bool) {
        let started = DispatchSemaphore(value: 0)
        writer.submit({ _ in
            started.signal()
            let deadline = DispatchTime.now() + .seconds(30)
            while !release() && DispatchTime.now() < deadline { usleep(100) }
        }, completion: { _ in })
        started.wait()
    }

    static func insert(_ id: Int) -> @Sendable (Database) throws -> Int64 {
        { db in
            try db.run("INSERT INTO t (id, label) VALUES (?, ?)", [.int(Int64(id)), .text("row \(id)")])
            return db.lastInsertRowID
        }
    }

    static func ids(_ dir: String) throws -> [Int64] {
        try Database.openReader(path: dir + "/w.db").query("SELECT id FROM t ORDER BY id", [], { $0.int(0) })
    }

    @Test func syncReturnsOnceTheUnitIsCommitted() throws {
        try withTempDirectory { dir in
            let writer = try Self.makeWriter(in: dir)
            defer { writer.close() }
            #expect(writer.commitCount == 0)
            #expect(try writer.sync(Self.insert(7)) == 7)
            #expect(writer.commitCount == 1)
            // Another connection sees it at once: sync returned after COMMIT.
            #expect(try Self.ids(dir) == [7])
        }
    }

    @Test func concurrentUnitsFromManyThreadsShareOneCommit() throws {
        try withTempDirectory { dir in
            let writer = try Self.makeWriter(in: dir)
            defer { writer.close() }
            let units = 200
            let before = writer.commitCount
            Self.hold(writer) { writer.pendingCount >= units }
            let finished = DispatchGroup()
            let failures = Collector<String>()
            for id in 0..<units {
                finished.enter()
                Thread {
                    do { _ = try writer.sync(Self.insert(id)) } catch { failures.append("\(id): \(error)") }
                    finished.leave()
                }.start()
            }
            #expect(finished.wait(timeout: .now() + 60) == .success)
            #expect(failures.all.isEmpty)
            // The gate's own batch, then all 200 units in one transaction.
            #expect(writer.commitCount - before == 2)
            #expect(try Self.ids(dir) == (0..<Int64(units)).map { $0 })
        }
    }

    @Test func batchesAreCappedAtMaxBatch() throws {
        try withTempDirectory { dir in
            let writer = try Self.makeWriter(in: dir)
            defer { writer.close() }
            let units = Writer.maxBatch + 44
            let before = writer.commitCount
            Self.hold(writer) { writer.pendingCount >= units }
            let finished = DispatchGroup()
            for id in 0..<units {
                finished.enter()
                writer.submit(Self.insert(id)) { _ in finished.leave() }
            }
            #expect(finished.wait(timeout: .now() + 60) == .success)
            #expect(writer.commitCount - before == 3)   // the gate, then 256 + 44
            #expect(try Self.ids(dir).count == units)
        }
    }

    @Test func unbatchedConcurrentWritersCommitFarLessOftenThanTheyWrite() throws {
        try withTempDirectory { dir in
            let writer = try Self.makeWriter(in: dir)
            defer { writer.close() }
            let threads = 16, perThread = 25
            let finished = DispatchGroup()
            for thread in 0..<threads {
                finished.enter()
                Thread {
                    for n in 0..<perThread { _ = try? writer.sync(Self.insert(thread * perThread + n)) }
                    finished.leave()
                }.start()
            }
            #expect(finished.wait(timeout: .now() + 120) == .success)
            #expect(try Self.ids(dir).count == threads * perThread)
            // Each thread waits for its own commit, so up to 16 units queue while one batch commits (~40 commits
            // for 400 units here); half is a bound no scheduler should reach.
            #expect(writer.commitCount < threads * perThread / 2)
        }
    }

    @Test func throwingUnitFailsOnlyItsOwnCaller() throws {
        try withTempDirectory { dir in
            let writer = try Self.makeWriter(in: dir)
            defer { writer.close() }
            let units: [@Sendable (Database) throws -> Int64] = [
                Self.insert(0),
                { db in _ = try Self.insert(1)(db); throw Boom() },
                Self.insert(2),
                { db in _ = try Self.insert(3)(db); return try Self.insert(0)(db) },   // duplicate id 0
                Self.insert(4),
            ]
            let before = writer.commitCount
            Self.hold(writer) { writer.pendingCount >= units.count }
            let results = Collector<(Int, Result<Int64, Error>)>()
            let finished = DispatchGroup()
            for (index, unit) in units.enumerated() {
                finished.enter()
                writer.submit(unit) { result in
                    results.append((index, result))
                    finished.leave()
                }
            }
            #expect(finished.wait(timeout: .now() + 60) == .success)
            let all = results.all
            #expect(all.map(\.0) == [0, 1, 2, 3, 4])   // completions in submission order
            #expect(try all[0].1.get() == 0 && all[2].1.get() == 2 && all[4].1.get() == 4)
            #expect(throws: Boom.self) { try all[1].1.get() }
            let duplicate = #expect(throws: StoreError.self) { try all[3].1.get() }
            #expect(duplicate?.isUniqueViolation == true)
            // Units 1 and 3 were rolled back to their savepoints, including their first inserts.
            #expect(try Self.ids(dir) == [0, 2, 4])
            #expect(writer.commitCount - before == 2)   // the gate, then the five units
        }
    }

    @Test func failingCommitFailsTheWholeBatch() throws {
        try withTempDirectory { dir in
            let writer = try Self.makeWriter(in: dir)
            defer { writer.close() }
            Self.hold(writer) { writer.pendingCount >= 2 }
            let results = Collector<Result<Int64, Error>>()
            let finished = DispatchGroup()
            finished.enter()
            writer.submit(Self.insert(1)) { results.append($0); finished.leave() }
            finished.enter()
            // Deferred foreign keys are checked at COMMIT, so this unit succeeds and the COMMIT fails.
            writer.submit({ db -> Int64 in
                try db.run("PRAGMA defer_foreign_keys = ON")
                try db.run("INSERT INTO child (parent_id) VALUES (?)", [99])
                return 0
            }) { results.append($0); finished.leave() }
            #expect(finished.wait(timeout: .now() + 60) == .success)
            let all = results.all
            #expect(all.count == 2)
            for result in all {
                let error = #expect(throws: StoreError.self) { try result.get() }
                #expect(error?.isForeignKeyViolation == true)
            }
            #expect(try Self.ids(dir) == [])
            // The writer rolled back and carries on.
            #expect(try writer.sync(Self.insert(2)) == 2)
            #expect(try Self.ids(dir) == [2])
        }
    }

    @Test func transactionLostMidBatchFailsTheUnitsRunSoFarOnly() throws {
        try withTempDirectory { dir in
            let writer = try Self.makeWriter(in: dir)
            defer { writer.close() }
            let units: [@Sendable (Database) throws -> Int64] = [
                Self.insert(0),
                // Stands in for SQLite rolling the whole transaction back by itself (SQLITE_FULL, SQLITE_IOERR).
                { db in try db.execute("ROLLBACK"); throw Boom() },
                Self.insert(2),
            ]
            Self.hold(writer) { writer.pendingCount >= units.count }
            let results = Collector<(Int, Result<Int64, Error>)>()
            let finished = DispatchGroup()
            for (index, unit) in units.enumerated() {
                finished.enter()
                writer.submit(unit) { result in
                    results.append((index, result))
                    finished.leave()
                }
            }
            #expect(finished.wait(timeout: .now() + 60) == .success)
            let all = results.all
            #expect(all.map(\.0) == [0, 1, 2])
            #expect(throws: Boom.self) { try all[0].1.get() }   // its work went with the transaction
            #expect(throws: Boom.self) { try all[1].1.get() }
            #expect(try all[2].1.get() == 2)                     // ran in a fresh transaction
            #expect(try Self.ids(dir) == [2])
        }
    }

    @Test func unitsMayMigrateAndNestTransactions() throws {
        try withTempDirectory { dir in
            let writer = try Writer(path: dir + "/fresh.db")
            defer { writer.close() }
            let applied = try writer.sync { db in try Migrator.migrate(db) }
            #expect(applied == Migration.embedded.map(\.name))
            #expect(try writer.sync { db in try Migrator.migrate(db) } == [])
            let users = try writer.sync { db -> Int64 in
                try db.transaction { try Fixture.user(db, "user_a", email: "ada@example.com") }
                try? db.transaction { try Fixture.user(db, "user_b", email: "ada@example.com") }   // duplicate email
                return try count(db, "users")
            }
            #expect(users == 1)
        }
    }

    @Test func closeRunsQueuedUnitsThenRefusesNewOnes() throws {
        try withTempDirectory { dir in
            let writer = try Self.makeWriter(in: dir)
            let results = Collector<Result<Int64, Error>>()
            for id in 0..<50 {
                writer.submit(Self.insert(id)) { results.append($0) }
            }
            writer.close()
            #expect(results.all.count == 50)
            #expect(results.all.allSatisfy { (try? $0.get()) != nil })
            #expect(try Self.ids(dir).count == 50)
            #expect(throws: StoreError.writerClosed) { try writer.sync(Self.insert(99)) }
            writer.close()
        }
    }

    @Test func asyncWriteResumesAfterCommit() async throws {
        try await withTempDirectory { dir in
            let writer = try Self.makeWriter(in: dir)
            defer { writer.close() }
            async let a = writer.write(Self.insert(1))
            async let b = writer.write(Self.insert(2))
            #expect(try await [a, b] == [1, 2])
            #expect(try Self.ids(dir) == [1, 2])
        }
    }

    @Test func openFailureIsThrownByInit() {
        #expect(throws: StoreError.self) { try Writer(path: "/nonexistent-\(UUID().uuidString)/w.db") }
    }
}
