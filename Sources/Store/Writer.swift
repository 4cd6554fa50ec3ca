// Writer: the single write connection and its dedicated thread, which commits waiting units together (group commit).
// Units and their completions run on the writer thread ("store.writer"); submit, sync, write and close may be called
// from any other thread.
import CSQLite
import Dispatch
import Synchronization
import System
#if canImport(Glibc)
import Glibc
#endif

/// The one writer. Write units from every thread queue here; the writer thread takes all units waiting at that
/// moment (up to `maxBatch`) and runs them as one batch:
///
///     BEGIN IMMEDIATE
///     SAVEPOINT unit; <unit 1>; RELEASE unit      -- a unit that throws: ROLLBACK TO unit; RELEASE unit
///     SAVEPOINT unit; <unit 2>; RELEASE unit
///     …
///     COMMIT                                     -- synchronous=FULL: one fsync'd commit for the whole batch
///
/// then calls every unit's completion. A unit that throws fails only its own caller; its savepoint is undone and the
/// rest of the batch commits. A failing COMMIT (or BEGIN) fails every unit of the batch. If SQLite itself rolls the
/// transaction back mid-batch (`SQLITE_FULL`, `SQLITE_IOERR`…), the units run so far fail and the rest go on in a
/// new transaction. While one batch commits (an fsync costs ~260 µs here), the next one gathers, so throughput grows
/// with concurrency instead of being capped at one fsync per request.
///
/// Completions are called on the writer thread, after the batch is durable: they must not block (hop to your own
/// queue or wake your event loop). Units must not end the transaction (`COMMIT`/`ROLLBACK`); `Database.transaction`
/// inside a unit becomes a nested savepoint.
public final class Writer: Sendable {
    /// Most units per batch: bounds how long a batch holds the write lock and delays its first unit's completion.
    public static let maxBatch = 256

    private let state: State
    private let commits: CommitCounter

    /// Opens (creating if needed) the database at `path` on a new writer thread, with WAL, `foreign_keys=ON` and
    /// `synchronous=FULL`. Throws the open error. Apply migrations before, or as a first unit.
    public init(path: String) throws {
        let state = State()
        let commits = CommitCounter()
        let opened = DispatchSemaphore(value: 0)
        PosixThread.start(name: "store.writer", detached: true) {
            Writer.run(path: path, state: state, commits: commits, opened: opened)
        }
        opened.wait()
        if let error = state.withLock({ $0.openError }) { throw error }
        self.state = state
        self.commits = commits
    }

    deinit {
        // The last reference may be dropped by a completion on the writer thread, which cannot wait for itself: the
        // thread then drains the queue and exits on its own.
        state.shutdown(wait: !state.isWriterThread)
    }

    /// Queues `unit` for the next batch; `completion` gets its value once that batch has committed, or its error.
    /// After `close()`, `completion` is called at once, on the calling thread, with `StoreError.writerClosed`.
    public func submit<T: Sendable>(_ unit: @escaping @Sendable (Database) throws -> T,
                                    completion: @escaping @Sendable (Result<T, Error>) -> Void) {
        let job = Job(
            execute: { db in
                let value = try unit(db)
                return { completion(.success(value)) }
            },
            fail: { error in completion(.failure(error)) })
        let accepted = state.withLock { shared -> Bool in
            guard !shared.closing else { return false }
            shared.pending.append(job)
            return true
        }
        if !accepted { completion(.failure(StoreError.writerClosed)) }
    }

    /// Runs `unit` in the next batch and blocks the calling thread until it is durable; returns its value or rethrows
    /// its error. Must not be called on the writer thread (from a unit or a completion): that would deadlock.
    public func sync<T: Sendable>(_ unit: @escaping @Sendable (Database) throws -> T) throws -> T {
        precondition(!state.isWriterThread, "Writer.sync called on the writer thread")
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox<T>()
        submit(unit) { outcome in
            result.value = outcome
            done.signal()
        }
        done.wait()
        // The semaphore orders the write of `value` before this read.
        guard let outcome = result.value else { preconditionFailure("completion signalled without a result") }
        return try outcome.get()
    }

    /// Runs `unit` in the next batch and resumes once it is durable.
    public func write<T: Sendable>(_ unit: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit(unit) { continuation.resume(with: $0) }
        }
    }

    /// Transactions committed on the write connection so far (counted by `sqlite3_commit_hook`). Any thread.
    public var commitCount: Int { commits.value.load(ordering: .relaxed) }

    /// Units queued and not yet taken into a batch. Any thread.
    public var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Stops accepting units, runs every unit already queued, closes the connection and waits for the writer thread
    /// to exit. Idempotent; deinit does the same. Must not be called on the writer thread (it would wait for itself).
    public func close() {
        precondition(!state.isWriterThread, "Writer.close called on the writer thread")
        state.shutdown(wait: true)
    }

    // MARK: - Writer thread

    private static func run(path: String, state: State, commits: CommitCounter, opened: DispatchSemaphore) {
        state.withLock { $0.thread = pthread_self() }
        serve(path: path, state: state, commits: commits, opened: opened)
        // serve's connection is closed by now (its lifetime ended with the call), so close() returning means the
        // file is no longer open here.
        state.withLock { $0.exited = true }
    }

    /// Opens the connection, reports the outcome through `opened`, then runs batches until closed and drained.
    private static func serve(path: String, state: State, commits: CommitCounter, opened: DispatchSemaphore) {
        let db: Database
        do {
            db = try Database.open(path: path)
        } catch {
            state.withLock { $0.openError = error }
            opened.signal()
            return
        }
        // The hook runs on this thread inside COMMIT; `commits` outlives it (the hook is removed before db closes).
        sqlite3_commit_hook(db.handle, { context in
            guard let context else { return 0 }
            Unmanaged<CommitCounter>.fromOpaque(context).takeUnretainedValue().value.add(1, ordering: .relaxed)
            return 0   // 0 = let the commit proceed
        }, Unmanaged.passUnretained(commits).toOpaque())
        opened.signal()

        while let batch = state.nextBatch() {
            commit(batch[...], on: db)
        }
        sqlite3_commit_hook(db.handle, nil, nil)
    }

    /// Runs one batch in one transaction and delivers every completion.
    private static func commit(_ batch: ArraySlice<Job>, on db: Database) {
        guard !batch.isEmpty else { return }
        do {
            try db.run("BEGIN IMMEDIATE")
        } catch {
            batch.forEach { $0.fail(error) }
            return
        }
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(batch.count)
        for (offset, job) in zip(batch.indices, batch) {
            do {
                try db.run("SAVEPOINT unit")
            } catch {
                return abort(batch, outcomes, error, on: db)
            }
            do {
                let deliver = try job.execute(db)
                precondition(!db.isAutocommit, "a write unit must not end the batch transaction")
                try db.run("RELEASE unit")
                outcomes.append(.done(deliver))
            } catch {
                if db.isAutocommit {
                    // SQLite rolled back the whole transaction: the units before this one lost their work too.
                    outcomes.append(.failed(error))
                    deliver(batch, outcomes, overriding: error)
                    return commit(batch[(offset + 1)...], on: db)
                }
                do {
                    try db.run("ROLLBACK TO unit")
                    try db.run("RELEASE unit")
                } catch let cleanup {
                    return abort(batch, outcomes + [.failed(error)], cleanup, on: db)
                }
                outcomes.append(.failed(error))
            }
        }
        do {
            try db.run("COMMIT")
        } catch {
            return abort(batch, outcomes, error, on: db)
        }
        deliver(batch, outcomes, overriding: nil)
    }

    /// Rolls the batch back and fails every unit: units that threw get their own error, the others `error`.
    private static func abort(_ batch: ArraySlice<Job>, _ outcomes: [Outcome], _ error: Error, on db: Database) {
        // A failed COMMIT leaves the transaction open. If ROLLBACK fails too, the connection is beyond repair and
        // the next BEGIN will report it; `error` is the one the callers need.
        if !db.isAutocommit { _ = try? db.run("ROLLBACK") }
        deliver(batch, outcomes, overriding: error)
        batch.dropFirst(outcomes.count).forEach { $0.fail(error) }
    }

    /// Calls the completions of the first `outcomes.count` units in submission order; with `overriding`, units that
    /// succeeded fail with that error instead (their work was rolled back).
    private static func deliver(_ batch: ArraySlice<Job>, _ outcomes: [Outcome], overriding error: Error?) {
        for (job, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .done(let success):
                if let error { job.fail(error) } else { success() }
            case .failed(let own):
                job.fail(own)
            }
        }
    }
}

// MARK: - Shared state

extension Writer {
    /// A queued unit, type-erased: `execute` runs it and returns the call that delivers its value.
    fileprivate struct Job: Sendable {
        let execute: @Sendable (Database) throws -> @Sendable () -> Void
        let fail: @Sendable (Error) -> Void
    }

    /// What happened to one unit of a batch that has not been delivered yet.
    fileprivate enum Outcome {
        case done(@Sendable () -> Void)
        case failed(Error)
    }

    /// Fields shared by submitters, `close` and the writer thread.
    fileprivate struct Shared {
        var pending: [Job] = []
        var closing = false
        var exited = false
        var thread: pthread_t?
        var openError: StoreError?
    }

    /// The queue between submitters and the writer thread. `shared` is touched only with `condition` locked.
    fileprivate final class State: @unchecked Sendable {   // guarded by `condition`
        let condition = ConditionLock()
        var shared = Shared()

        /// Runs `body` with the lock held, then wakes every waiter. Broadcast, not signal: the writer thread (work
        /// queued) and `close` (thread exited) wait on the same condition.
        func withLock<R>(_ body: (inout Shared) -> R) -> R {
            condition.lock()
            defer {
                condition.broadcast()
                condition.unlock()
            }
            return body(&shared)
        }

        /// Stops accepting units; with `wait`, blocks until the writer thread has drained the queue and exited.
        func shutdown(wait: Bool) {
            condition.lock()
            defer { condition.unlock() }
            shared.closing = true
            condition.broadcast()
            while wait && !shared.exited { condition.wait() }
        }

        var isWriterThread: Bool {
            withLock { $0.thread }.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        }

        /// Blocks until units are queued, then takes up to `maxBatch` of them; nil once closing and drained.
        func nextBatch() -> [Job]? {
            condition.lock()
            defer { condition.unlock() }
            while shared.pending.isEmpty && !shared.closing { condition.wait() }
            guard !shared.pending.isEmpty else { return nil }
            let batch = Array(shared.pending.prefix(Writer.maxBatch))
            shared.pending.removeFirst(batch.count)
            return batch
        }
    }

    /// Incremented by the commit hook on the writer thread, read from any thread.
    fileprivate final class CommitCounter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// Carries `sync`'s result across its semaphore: written before the signal, read after the wait returns.
    fileprivate final class ResultBox<T: Sendable>: @unchecked Sendable {
        var value: Result<T, Error>?
    }
}
