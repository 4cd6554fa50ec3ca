// Starting plain pthreads that run a Swift closure (event loops, pool workers, the log sink, the store writer).
// Called from any thread; the closure runs on the new one.
import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A pthread started with `PosixThread.start`. Join it (when started joinable) with `join()`.
public struct PosixThread: @unchecked Sendable {   // a pthread_t is a plain handle
    public let handle: pthread_t

    /// Starts a pthread running `body`: detached (it cleans up when it returns) or joinable. `name` (at most 15 bytes)
    /// is what `top -H` and debuggers show. Fails only when the system is out of threads.
    @discardableResult
    public static func start(name: String? = nil, detached: Bool = false,
                             _ body: @escaping @Sendable () -> Void) -> PosixThread {
        guard let thread = tryStart(name: name, detached: detached, body) else {
            preconditionFailure("pthread_create failed: out of threads at start-up")
        }
        return thread
    }

    /// As `start`, but nil when the system is out of threads (for threads started on behalf of a request).
    public static func tryStart(name: String? = nil, detached: Bool = false,
                                _ body: @escaping @Sendable () -> Void) -> PosixThread? {
        let box = Unmanaged.passRetained(Body(name: name, run: body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            let b = Unmanaged<Body>.fromOpaque(arg!).takeRetainedValue()
            if let name = b.name { _ = pthread_setname_np(pthread_self(), String(decoding: name.utf8.prefix(15), as: UTF8.self)) }
            b.run()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            return nil
        }
        if detached { pthread_detach(tid) }
        return PosixThread(handle: tid)
    }

    /// Waits for a joinable thread to return.
    public func join() {
        pthread_join(handle, nil)
    }

    private final class Body {
        let name: String?
        let run: @Sendable () -> Void
        init(name: String?, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }
}
