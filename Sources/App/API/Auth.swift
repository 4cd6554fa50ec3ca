// Session middleware (SPEC §0 "Auth kinds"): the `orchestrator_session` cookie resolved on the event loop through the
// loop's reader, sliding renewal, and the cookie header values. Runs on the request's event-loop thread.
import Crypto
import HTTP
import Store
import System

extension Application {
    static let cookieName = "orchestrator_session"

    /// Wall-clock milliseconds (injectable for tests through AppConfig.clock).
    func now() -> Int64 { config.clock() }

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

    /// The request's live session, or nil. Renews a session with less than 6 days left (one write per day at most)
    /// and re-sends its cookie. Event-loop thread only (uses the loop's reader).
    /// `renew: false` for routes that replace the session (sign-up/sign-in): renewing it would queue a Set-Cookie
    /// with the old token after the new one.
    func optionalSession(_ req: inout Request, renew: Bool = true) throws -> Session? {
        guard let token = Application.sessionToken(req) else { return nil }
        let now = now()
        guard var session = try Accounts.session(token: token, now: now, db: storage.reader(loop: req.loopIndex)) else {
            return nil
        }
        if renew && session.expiresAt - now < Accounts.renewBelowMs {
            let expires = now + Accounts.sessionLifetimeMs
            session.expiresAt = expires
            let id = session.id
            storage.writer.submit({ db in try Accounts.renewSession(id: id, expiresAt: expires, now: now, db: db) },
                                  completion: { _ in })
            req.responseHeaders.append(("Set-Cookie", sessionCookie(token)))
        }
        return session
    }

    /// The request's session, or 401 `"Unauthorized"`.
    func requireSession(_ req: inout Request) throws -> Session {
        guard let s = try optionalSession(&req) else { throw APIError.unauthorized("Unauthorized") }
        return s
    }

    func sessionCookie(_ token: String) -> String {
        var c = "\(Application.cookieName)=\(token); Path=/; HttpOnly; SameSite=Lax; Max-Age=604800"
        if publicURL.lowercased().hasPrefix("https://") { c += "; Secure" }
        return c
    }

    static let clearCookie = "\(cookieName)=; Max-Age=0; Path=/"

    /// The client IP for rate limiting: the socket peer, or the last X-Forwarded-For hop behind a trusted proxy.
    func clientIP(_ req: Request) -> String {
        if trustProxy, let xff = req.headers.values("x-forwarded-for").last,
           let last = xff.split(separator: ",").last?.trimmingSpaces(), !last.isEmpty {
            return String(last)
        }
        return req.remoteAddress
    }

    // MARK: - Deferred work

    /// Runs `unit` in the next group commit and answers with `respond(result)` once it is durable.
    /// No thread waits: the writer's completion posts the response to the connection's loop.
    func commit<T: Sendable>(_ unit: @escaping @Sendable (Database) throws -> T,
                             _ respond: @escaping @Sendable (T) throws -> Response) -> Response {
        let writer = storage.writer
        return Response(body: .deferred { responder in
            writer.submit(unit) { result in
                do { responder.send(try respond(result.get())) } catch { responder.fail(error) }
            }
        })
    }

    /// Runs slow `prepare` on `pool` (the shared work pool unless given), then `unit` in a group commit, then answers
    /// with `respond`.
    func offloadThenCommit<P: Sendable, T: Sendable>(on pool: WorkPool = Server.workQueue,
                                                     _ prepare: @escaping @Sendable () throws -> P,
                                                     _ unit: @escaping @Sendable (Database, P) throws -> T,
                                                     _ respond: @escaping @Sendable (T) throws -> Response) -> Response {
        let writer = storage.writer
        return Response(body: .deferred { responder in
            pool.async {
                do {
                    let prepared = try prepare()
                    writer.submit({ db in try unit(db, prepared) }) { result in
                        do { responder.send(try respond(result.get())) } catch { responder.fail(error) }
                    }
                } catch {
                    responder.fail(error)
                }
            }
        })
    }
}
