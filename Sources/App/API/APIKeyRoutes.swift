// Handlers of SPEC §9 (API keys).
import Crypto
import HTTP
import JSON
import Log

extension Application {
    func listAPIKeys(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let keys = try APIKeys.list(userID: s.user.id, db: storage.reader(loop: req.loopIndex))
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, k) in keys.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            k.write(to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return Response.json(out)
    }

    func createAPIKey(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        if s.user.isAnonymous { throw APIError.forbidden("Anonymous users cannot create API keys") }
        let body = try req.jsonObject()
        let name = try body.optionalString("name")
        if let name, name.scalarCount > 200 { throw APIError.badRequest("Name must be at most 200 characters") }
        let (key, hash, prefix) = APIKeys.generate()
        let id = RandomID.make(prefix: "key_")
        let now = now()
        let userID = s.user.id
        return commit({ db in
            try APIKeys.insert(id: id, userID: userID, name: name, hash: hash, prefix: prefix, now: now, db: db)
        }, { _ in
            var out: [UInt8] = Array("{\"id\":".utf8)
            JSONWriter.appendString(id, to: &out)
            out.append(contentsOf: ",\"name\":".utf8); JSONWriter.appendNullableString(name, to: &out)
            out.append(contentsOf: ",\"key\":".utf8); JSONWriter.appendString(key, to: &out)
            out.append(contentsOf: ",\"keyPrefix\":".utf8); JSONWriter.appendString(prefix, to: &out)
            out.append(contentsOf: ",\"createdAt\":".utf8); JSONWriter.appendString(ISO8601.format(milliseconds: now), to: &out)
            out.append(UInt8(ascii: "}"))
            return Response.json(out, status: .created)
        })
    }

    func deleteAPIKey(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let id = req.parameter("keyId") ?? ""
        let userID = s.user.id
        return commit({ db in try APIKeys.delete(id: id, userID: userID, db: db) }, { deleted in
            guard deleted else { throw APIError.notFound("API key not found") }
            return Response.json(Array("{\"success\":true}".utf8))
        })
    }
}
