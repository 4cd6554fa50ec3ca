// Operational routes: /health (with a database check) and /metrics. Run on the event-loop thread: both are
// in-memory or a single SELECT 1 on the loop's own reader.
import Crypto
import Domain
import HTTP
import HTTPCore
import System

extension API {
    private static let healthOK: [UInt8] = Array("{\"status\":\"ok\",\"version\":\"\(AppVersion.current)\"}".utf8)
    private static let healthDown: [UInt8] = Array("{\"status\":\"error\",\"error\":\"database unavailable\"}".utf8)

    func health(_ req: Request) -> Response {
        if services.storage.isHealthy(loop: req.loopIndex) { return Response.json(API.healthOK) }
        return Response.json(API.healthDown, status: .serviceUnavailable)
    }

    func metricsText(_ req: Request) throws -> Response {
        if let token = settings.metricsToken {
            // Scheme case-insensitive (RFC 9110 §11.1); the token compared in constant time.
            guard let auth = req.headers["authorization"], auth.count > 7, auth.prefix(7).lowercased() == "bearer ",
                  constantTimeEquals(Array(auth.dropFirst(7).utf8), Array(token.utf8)) else {
                throw AppError.unauthorized("Unauthorized")
            }
        }
        var text = metrics.render()
        text += "# HELP store_commits_total Group commits of the database writer.\n# TYPE store_commits_total counter\n"
        text += "store_commits_total \(services.storage.writer.commitCount)\n"
        return Response(status: .ok, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                        body: .bytes(Array(text.utf8)))
    }
}
