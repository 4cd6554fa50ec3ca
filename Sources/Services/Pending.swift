// Work that finishes later on another thread: a group commit, or slow work on a pool followed by a commit. The API
// layer turns one into a deferred response; nothing here knows about requests. Values; started from any thread.
import Domain
import Store

/// Runs blocking work on some pool (the App wires the real ones).
public typealias Executor = @Sendable (@escaping @Sendable () -> Void) -> Void

/// Tells queued work whether whoever asked for it is still there (a client that left needs no answer).
public typealias Abandoned = @Sendable () -> Bool

/// A result that arrives later, through `run`'s completion (called once, on whichever thread finished the work).
public struct Pending<Value: Sendable>: Sendable {
    public typealias Completion = @Sendable (Result<Value, AppError>) -> Void
    private let start: @Sendable (@escaping Abandoned, @escaping Completion) -> Void

    public init(_ start: @escaping @Sendable (@escaping Abandoned, @escaping Completion) -> Void) {
        self.start = start
    }

    /// Starts the work; `completion` gets its value or its error. Slow work that has not started yet is skipped
    /// once `abandoned` says so (its completion then gets 503 "Server busy", which nobody reads).
    public func run(abandoned: @escaping Abandoned = { false }, _ completion: @escaping Completion) {
        start(abandoned, completion)
    }

    /// `unit` in the writer's next group commit; the value arrives once it is durable. (A commit is cheap and may
    /// already be promised to the client: it runs even when the asker left.)
    public static func commit(_ writer: Writer, _ unit: @escaping @Sendable (Database) throws -> Value) -> Pending {
        Pending { _, done in
            writer.submit(unit) { result in done(result.mapError(AppError.from)) }
        }
    }

    /// `prepare` on `executor` (slow, blocking work), then `unit` with its value in a group commit.
    public static func prepare<P: Sendable>(on executor: @escaping Executor, _ prepare: @escaping @Sendable () throws -> P,
                                            then writer: Writer,
                                            _ unit: @escaping @Sendable (Database, P) throws -> Value) -> Pending {
        Pending { abandoned, done in
            executor {
                if abandoned() { return done(.failure(.busy)) }
                let prepared: P
                do { prepared = try prepare() } catch { return done(.failure(AppError.from(error))) }
                writer.submit({ db in try unit(db, prepared) }) { result in done(result.mapError(AppError.from)) }
            }
        }
    }

    /// The same work with its value transformed (a thrown AppError becomes the result).
    public func map<U: Sendable>(_ transform: @escaping @Sendable (Value) throws -> U) -> Pending<U> {
        let start = self.start
        return Pending<U> { abandoned, done in
            start(abandoned) { result in
                switch result {
                case .success(let v):
                    do { done(.success(try transform(v))) } catch { done(.failure(AppError.from(error))) }
                case .failure(let e):
                    done(.failure(e))
                }
            }
        }
    }
}
