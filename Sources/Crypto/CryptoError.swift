// CryptoError: the one error the Crypto module throws, carrying OpenSSL's reason when there is one.
// A value type, safe to send anywhere; OpenSSL's error queue is per thread, so `openssl(_:)` runs on the failing thread.

import COpenSSL

/// A failed crypto operation or malformed crypto input,
/// e.g. "EVP_PBE_scrypt: error:030000AC:digital envelope routines::memory limit exceeded".
public struct CryptoError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// An error for a failed OpenSSL call. Drains this thread's OpenSSL error queue into the message,
    /// so a stale reason never leaks into a later, unrelated failure.
    static func openssl(_ call: String) -> CryptoError {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            let reason = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
                ERR_error_string_n(code, buffer.baseAddress, buffer.count)
                return String(cString: buffer.baseAddress!)
            }
            reasons.append(reason)
        }
        return CryptoError(reasons.isEmpty ? call : "\(call): " + reasons.joined(separator: "; "))
    }

    /// Ends the process for an OpenSSL failure that valid input cannot cause (allocation, a missing algorithm).
    static func fatal(_ call: String) -> Never {
        preconditionFailure(openssl(call).message)
    }
}
