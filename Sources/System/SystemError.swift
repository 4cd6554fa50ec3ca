// The system-call floor: `sys()` with errno captured at once, and the error it throws. Pure; any thread.
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: its name and errno, formatted like "accept4: Too many open files".
public struct SystemError: Error, CustomStringConvertible {
    public let call: StaticString
    public let code: Int32

    public init(call: StaticString, code: Int32) {
        self.call = call
        self.code = code
    }

    public var description: String { "\(call): \(String(cString: strerror(code)))" }
}

/// Runs `body`, retrying on EINTR. Returns nil when a non-blocking fd would block.
@inlinable @inline(__always)
public func sys<T: BinaryInteger>(_ call: StaticString, _ body: () -> T) throws(SystemError) -> T? {
    while true {
        let result = body()
        if result != -1 { return result }
        switch errno {
        case EINTR: continue
        case EAGAIN: return nil   // EWOULDBLOCK == EAGAIN on Linux
        case let code: throw SystemError(call: call, code: code)
        }
    }
}
