// Handlers of SPEC §8 (integrations). Sealing/opening a config is AES-GCM on a few hundred bytes: done inline.
import Crypto
import HTTP
import JSON
import Store

extension Application {
    /// Validates a create/test body in SPEC §8's order; returns (name, type, config).
    static func parseIntegrationBody(_ body: JSON) throws -> (name: String, type: IntegrationType, config: JSON) {
        guard let typeValue = body["type"], !typeValue.isNull, let configValue = body["config"], !configValue.isNull else {
            throw APIError.badRequest("Type and config are required")
        }
        guard case .string(let typeName) = typeValue else { throw APIError.badRequest("type must be a string") }
        guard let type = IntegrationType.named(typeName) else { throw APIError.badRequest("Invalid integration type") }
        try Integrations.validateConfig(configValue, type: type)
        let name = try body.optionalString("name") ?? ""
        guard name.scalarCount <= 200 else { throw APIError.badRequest("Name must be at most 200 characters") }
        return (name, type, configValue)
    }

    func listIntegrations(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        var type: String? = nil
        if let t = req.queryParameter("type") {
            guard IntegrationType.named(t) != nil else { throw APIError.badRequest("Invalid integration type") }
            type = t
        }
        let rows = try Integrations.list(userID: s.user.id, type: type, db: storage.reader(loop: req.loopIndex))
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, r) in rows.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: r.json())
        }
        out.append(UInt8(ascii: "]"))
        return Response.json(out)
    }

    func createIntegration(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let (name, type, config) = try Application.parseIntegrationBody(try req.jsonObject())
        let now = now()
        let id = RandomID.make(prefix: "int_")
        let row = IntegrationRow(id: id, userID: s.user.id, name: name, type: type.name,
                                 sealedConfig: integrations.seal(config, id: id), createdAt: now, updatedAt: now)
        return commit({ db in try Integrations.insert(row, db: db) }, { _ in Response.json(row.json(), status: .created) })
    }

    func getIntegration(_ req: inout Request) throws -> Response {
        let row = try ownedIntegration(&req)
        guard let config = openConfig(row) else { return Application.decryptionFailed }
        return Response.json(row.json(config: config))
    }

    func updateIntegration(_ req: inout Request) throws -> Response {
        var row = try ownedIntegration(&req)
        let body = try req.jsonObject()
        var config: JSON
        if let c = body["config"], !c.isNull {
            try Integrations.validateConfig(c, type: IntegrationType.named(row.type)!)
            config = c
            row.sealedConfig = integrations.seal(c, id: row.id)
        } else {
            guard let c = openConfig(row) else { return Application.decryptionFailed }
            config = c
        }
        if let name = try body.optionalString("name") {
            guard name.scalarCount <= 200 else { throw APIError.badRequest("Name must be at most 200 characters") }
            row.name = name
        }
        row.updatedAt = max(now(), row.updatedAt + 1)
        let updated = row
        let shown = config
        return commit({ db in try Integrations.update(updated, db: db) }, { ok in
            guard ok else { throw APIError.notFound("Integration not found") }
            return Response.json(updated.json(config: shown))
        })
    }

    func deleteIntegration(_ req: inout Request) throws -> Response {
        let s = try requireSession(&req)
        let id = req.parameter("integrationId") ?? ""
        let userID = s.user.id
        return commit({ db in try Integrations.delete(id: id, userID: userID, db: db) }, { deleted in
            guard deleted else { throw APIError.notFound("Integration not found") }
            return Response.json(Application.successBody)
        })
    }

    func testUnsavedIntegration(_ req: inout Request) throws -> Response {
        _ = try requireSession(&req)
        let (_, type, config) = try Application.parseIntegrationBody(try req.jsonObject())
        return runConnectionTest(type: type, config: config)
    }

    func testSavedIntegration(_ req: inout Request) throws -> Response {
        let row = try ownedIntegration(&req)
        _ = try req.jsonObject(optional: true)
        guard let config = openConfig(row) else { return Application.decryptionFailed }
        return runConnectionTest(type: IntegrationType.named(row.type)!, config: config)
    }

    /// SPEC §8: 500 `"Failed to decrypt integration config"` (APIError.internalError would hide the message).
    static var decryptionFailed: Response {
        Response.error(.internalServerError, Integrations.DecryptionFailed.message)
    }

    /// The row's decrypted config, or nil (logged) when it does not open.
    private func openConfig(_ row: IntegrationRow) -> JSON? {
        do {
            return try integrations.open(row)
        } catch {
            logger.error("integration config does not decrypt", ["integration_id": .string(row.id)])
            return nil
        }
    }

    /// The caller's integration named by the path, or 404 `"Integration not found"`.
    private func ownedIntegration(_ req: inout Request) throws -> IntegrationRow {
        let s = try requireSession(&req)
        guard let id = req.parameter("integrationId"),
              let row = try Integrations.get(id: id, userID: s.user.id, db: storage.reader(loop: req.loopIndex)) else {
            throw APIError.notFound("Integration not found")
        }
        return row
    }
}
