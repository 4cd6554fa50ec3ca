// The one OpenSSL SSL_CTX of a client: TLS 1.2+, peer verification against the system store plus an extra CA file.
// Configured once in init, then only used to create SSL objects, which OpenSSL allows from any thread.
import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// Owns an `SSL_CTX`. After init it is read-only: `SSL_new` on a shared context is thread-safe.
final class TLSContext: @unchecked Sendable {   // immutable after init; OpenSSL locks the context internally
    static let systemCertDirectory = "/etc/ssl/certs"

    private let ctx: OpaquePointer
    /// Why the extra CA file could not be loaded; every TLS connection then fails with this text.
    let setupError: String?

    init(caFile: String?) {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { fatalError("SSL_CTX_new: \(TLSContext.errorQueueText())") }
        self.ctx = ctx
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        _ = copenssl_ctx_set_min_proto_version(ctx, TLS1_2_VERSION)
        // A retried SSL_write may come from a different Swift buffer address; partial writes keep the loop simple.
        _ = copenssl_ctx_set_mode(ctx, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE))
        copenssl_ctx_ignore_unexpected_eof(ctx)
        _ = SSL_CTX_set_default_verify_paths(ctx)
        if access(TLSContext.systemCertDirectory, R_OK) == 0 {
            _ = SSL_CTX_load_verify_locations(ctx, nil, TLSContext.systemCertDirectory)
        }
        var setupError: String?
        if let caFile, !caFile.isEmpty {
            ERR_clear_error()
            if SSL_CTX_load_verify_locations(ctx, caFile, nil) != 1 {
                setupError = "cannot load CA file \(caFile): \(TLSContext.errorQueueText())"
            }
        }
        self.setupError = setupError
    }

    deinit { SSL_CTX_free(ctx) }

    /// A client SSL object on `fd`, verifying `host` (name or IP literal) and sending SNI for names.
    func makeSession(fd: Int32, host: String, isIPLiteral: Bool) throws(ClientError) -> OpaquePointer {
        if let setupError { throw .tls(setupError) }
        guard let ssl = SSL_new(ctx) else { throw .tls("SSL_new: \(TLSContext.errorQueueText())") }
        var ok = SSL_set_fd(ssl, fd) == 1
        if isIPLiteral {
            ok = ok && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1
        } else {
            ok = ok && SSL_set1_host(ssl, host) == 1 && copenssl_set_tlsext_host_name(ssl, host) == 1
        }
        guard ok else {
            SSL_free(ssl)
            throw .tls("cannot set up verification for \(host): \(TLSContext.errorQueueText())")
        }
        return ssl
    }

    /// Why a handshake failed: the certificate verification result when there is one ("certificate verify failed:
    /// hostname mismatch"), else the first OpenSSL error reason.
    static func handshakeFailure(_ ssl: OpaquePointer) -> String {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            ERR_clear_error()
            return "certificate verify failed: \(String(cString: X509_verify_cert_error_string(verify)))"
        }
        return errorQueueText()
    }

    /// The oldest queued OpenSSL error's reason (e.g. "wrong version number"), clearing the queue.
    static func errorQueueText() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "unknown error" }
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buf, buf.count)
        return buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
