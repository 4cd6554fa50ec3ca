// Session middleware (SPEC §0 "Auth kinds"): the `orchestrator_session` cookie resolved on the event loop through the
// loop's reader, sliding renewal, the cookie header values, the client address, and deferred answers. Runs on the
// request's event-loop thread.
import Domain
import HTTP
import HTTPCore
import System
import Services
import Store

extension API {
    static let cookieName = "orchestrator_session"
    static let clearCookie = "\(cookieName)=; Max-Age=0; Path=/"

    /// The session token from the Cookie header, if any.
    static func sessionToken(_ req: Request) -> String? {
        for header in req.headers.values("cookie") {
            for pair in header.split(separator: ";") {
                let kv = pair.trimmingSpaces()
                guard kv.hasPrefix(cookieName + "=") else { continue }
                let value = kv.dropFirst(cookieName.count + 1)
                if !value.isEmpty && value.count <= 128 { return String(value) }
            }
        }
        return nil
    }

    /// The request's live session, or nil. A renewed session re-sends its cookie.
    /// `renew: false` for routes that replace the session (sign-up/sign-in): renewing it would queue a Set-Cookie
    /// with the old token after the new one.
    func optionalSession(_ req: inout Request, renew: Bool = true) throws -> Session? {
        guard let token = API.sessionToken(req),
              let found = try services.accounts.session(token: token, renew: renew, db: reader(req)) else { return nil }
        if found.renewed { req.responseHeaders.append(("Set-Cookie", sessionCookie(token))) }
        return found.session
    }

    /// The request's session, or 401 `"Unauthorized"`.
    func requireSession(_ req: inout Request) throws -> Session {
        guard let s = try optionalSession(&req) else { throw AppError.unauthorized("Unauthorized") }
        return s
    }

    func sessionCookie(_ token: String) -> String {
        var c = "\(API.cookieName)=\(token); Path=/; HttpOnly; SameSite=Lax; Max-Age=604800"
        if settings.secureCookies { c += "; Secure" }
        return c
    }

    /// The client IP for rate limiting: the socket peer, or behind a trusted proxy the last X-Forwarded-For hop when
    /// it is an IP address (anything else is ignored: the peer counts).
    func clientIP(_ req: Request) -> String {
        if settings.trustProxy, let xff = req.headers.values("x-forwarded-for").last,
           let last = xff.split(separator: ",").last?.trimmingSpaces(), ClientAddress.isIP(last) {
            return String(last)
        }
        return req.remoteAddress
    }

    /// The event loop's own reader (use only on that loop's thread).
    func reader(_ req: Request) -> Database { services.storage.reader(loop: req.loopIndex) }
}

extension Response {
    /// Answers with `encode(value)` once `pending` finishes (its error goes through the error mapping). No thread
    /// waits: the completion posts the response to the connection's loop.
    static func later<T: Sendable>(_ pending: Pending<T>, _ encode: @escaping @Sendable (T) throws -> Response) -> Response {
        Response(body: .deferred { responder in
            pending.run(abandoned: { responder.isAbandoned }) { result in responder.answer(result, encode) }
        })
    }

    /// Runs `work` on `pool` and answers with its response (errors go through the error mapping).
    static func offload(on pool: WorkPool, _ work: @escaping @Sendable () throws -> Response) -> Response {
        Response(body: .deferred { responder in
            let queued = pool.async {
                if responder.isAbandoned { return }   // the client left while this waited: nobody needs the answer
                do { responder.send(try work()) } catch { responder.fail(error) }
            }
            if !queued { responder.fail(AppError.busy) }
        })
    }

    /// Runs `work` on `pool`; it yields a pending result, answered with `encode` once that finishes.
    static func offload<T: Sendable>(on pool: WorkPool, _ work: @escaping @Sendable () throws -> Pending<T>,
                                     _ encode: @escaping @Sendable (T) throws -> Response) -> Response {
        Response(body: .deferred { responder in
            let queued = pool.async {
                if responder.isAbandoned { return }
                do {
                    try work().run(abandoned: { responder.isAbandoned }) { result in responder.answer(result, encode) }
                } catch {
                    responder.fail(error)
                }
            }
            if !queued { responder.fail(AppError.busy) }
        })
    }
}

extension Responder {
    /// Sends `encode(value)`, or fails with the error (from `result` or from `encode`).
    func answer<T>(_ result: Result<T, AppError>, _ encode: (T) throws -> Response) {
        switch result {
        case .success(let value):
            do { send(try encode(value)) } catch { fail(error) }
        case .failure(let error):
            fail(error)
        }
    }
}

