// Handlers of SPEC §1 (auth and users): decode, call `Accounts`, encode. Validation runs on the loop in the spec's
// order; password hashing runs on the accounts' hashing pool; writes go through group commit.
import Domain
import HTTP
import HTTPCore
import System
import JSON
import Log
import Services

extension API {
    func signUp(_ req: inout Request) throws -> Response {
        try services.accounts.checkAddress(clientIP(req))
        try services.accounts.checkSignUpAllowed()
        let body = try req.jsonObject()
        let pending = try services.accounts.signUp(body, previous: { try optionalSession(&req, renew: false) })
        return Response.later(pending) { signed in self.userResponse(signed, status: .created) }
    }

    func signIn(_ req: inout Request) throws -> Response {
        try services.accounts.checkAddress(clientIP(req))
        let body = try req.jsonObject()
        let pending = try services.accounts.signIn(body, ip: clientIP(req), db: reader(req),
                                                   previous: { try optionalSession(&req, renew: false) })
        return Response.later(pending) { signed in self.userResponse(signed, status: .ok) }
    }

    func signInAnonymous(_ req: inout Request) throws -> Response {
        try services.accounts.checkAddress(clientIP(req))
        _ = try req.jsonObject(optional: true)
        let pending = try services.accounts.signInAnonymous(previous: try optionalSession(&req, renew: false))
        return Response.later(pending) { signed in self.userResponse(signed, status: .ok) }
    }

    func signOut(_ req: inout Request) throws -> Response {
        _ = try req.jsonObject(optional: true)
        let done = Response(status: .ok, headers: [("Content-Type", Response.jsonContentType), ("Set-Cookie", API.clearCookie)],
                            body: .bytes(API.successBody))
        guard let token = API.sessionToken(req) else { return done }
        return Response.later(services.accounts.signOut(token: token)) { done }
    }

    func getSession(_ req: inout Request) throws -> Response {
        guard let s = try optionalSession(&req) else {
            return Response.json(Array("{\"session\":null,\"user\":null}".utf8))
        }
        var out: [UInt8] = []
        out.append(contentsOf: "{\"session\":{\"expiresAt\":\"".utf8)
        out.append(contentsOf: ISO8601.format(milliseconds: s.expiresAt).utf8)
        out.append(contentsOf: "\",\"createdAt\":\"".utf8)
        out.append(contentsOf: ISO8601.format(milliseconds: s.createdAt).utf8)
        out.append(contentsOf: "\"},\"user\":".utf8)
        s.user.write(to: &out)
        out.append(UInt8(ascii: "}"))
        return Response.json(out)
    }

    func getUser(_ req: inout Request) throws -> Response {
        Response.json(try requireSession(&req).user.json)
    }

    func patchUser(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let pending = try services.accounts.updateProfile(try req.jsonObject(), of: s.user)
        return Response.later(pending) { user in Response.json(user.json) }
    }

    func changePassword(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let pending = try services.accounts.changePassword(try req.jsonObject(), session: s, ip: clientIP(req), db: reader(req))
        return Response.later(pending) { Response.json(API.successBody) }
    }

    /// `{"user": …}` with the new session's cookie.
    func userResponse(_ signed: SignedIn, status: Status) -> Response {
        var out: [UInt8] = Array("{\"user\":".utf8)
        signed.user.write(to: &out)
        out.append(UInt8(ascii: "}"))
        return Response(status: status, headers: [("Content-Type", Response.jsonContentType),
                                                  ("Set-Cookie", sessionCookie(signed.token))], body: .bytes(out))
    }
}
