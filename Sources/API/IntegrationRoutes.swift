// Handlers of SPEC §8 (integrations). Sealing/opening a config is AES-GCM on a few hundred bytes: done inline.
// Connection tests block for up to 10 s: they run on the work pool.
import Domain
import HTTP
import HTTPCore
import System
import JSON
import Services

extension API {
    func listIntegrations(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let rows = try services.integrations.list(owner: s.user.id, type: req.queryParameter("type"), db: reader(req))
        return Response.json(jsonArray(rows) { r, out in out.append(contentsOf: r.json()) })
    }

    func createIntegration(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let pending = try services.integrations.create(try req.jsonObject(), owner: s.user.id)
        return Response.later(pending) { row in Response.json(row.json(), status: .created) }
    }

    func getIntegration(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let found = try services.integrations.get(integrationID(req), owner: s.user.id, db: reader(req))
        return Response.json(found.row.json(config: found.config))
    }

    func updateIntegration(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let pending = try services.integrations.update(integrationID(req), owner: s.user.id, body: try req.jsonObject(),
                                                       db: reader(req))
        return Response.later(pending) { updated in Response.json(updated.row.json(config: updated.config)) }
    }

    func deleteIntegration(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        return Response.later(services.integrations.delete(integrationID(req), owner: s.user.id)) {
            Response.json(API.successBody)
        }
    }

    func testUnsavedIntegration(_ req: inout Request) throws -> Response {
        _ = try requireSession(&req)
        let (type, config) = try services.integrations.unsavedTestTarget(try req.jsonObject())
        return connectionTest(type: type, config: config)
    }

    func testSavedIntegration(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let (type, config) = try services.integrations.savedTestTarget(integrationID(req), owner: s.user.id,
                                                                       body: try req.jsonObject(optional: true), db: reader(req))
        return connectionTest(type: type, config: config)
    }

    /// `{"status":"success"|"error","message":…}` from the test call, run on the work pool.
    private func connectionTest(type: IntegrationType, config: JSON) -> Response {
        let integrations = services.integrations
        return Response.offload(on: work) {
            let (ok, message) = integrations.test(type: type, config: config)
            return Response.json(JSON.object([("status", .string(ok ? "success" : "error")), ("message", .string(message))]).bytes)
        }
    }

    private func integrationID(_ req: Request) -> IntegrationID { IntegrationID(req.parameter("integrationId") ?? "") }
}
