// Handlers of SPEC §9 (API keys).
import Domain
import HTTP
import HTTPCore
import System
import Services

extension API {
    func listAPIKeys(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let keys = try services.apiKeys.list(owner: s.user.id, db: reader(req))
        return Response.json(jsonArray(keys) { k, out in k.write(to: &out) })
    }

    func createAPIKey(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let pending = try services.apiKeys.create(try req.jsonObject(optional: true), owner: s.user)
        return Response.later(pending) { created in Response.json(created.json, status: .created) }
    }

    func deleteAPIKey(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let webhooks = services.webhooks
        let pending = services.apiKeys.revoke(APIKeyID(req.parameter("keyId") ?? ""), owner: s.user.id).map { webhooks.keysChanged() }
        return Response.later(pending) { Response.json(API.successBody) }
    }
}
