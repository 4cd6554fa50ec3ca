// Handlers of SPEC §6 (executions). Starting a run parses the snapshot: small graphs on the loop, large ones on the
// large-graph pool; the answer goes out once the execution row is durable.
import Domain
import HTTP
import HTTPCore
import JSON
import Log
import Services
import Store

extension API {
    func executeWorkflow(_ req: inout Request) throws -> Response {
        let caller = try requireSession(&req).user.id
        let body = try req.jsonObject(optional: true)
        let id = WorkflowID(req.parameter("workflowId") ?? "")
        let executions = services.executions
        let head = try services.workflows.visibleHead(id, viewer: caller, db: reader(req))
        return try withReader(req, large: head.graphBytes > API.inlineBodyLimit, { db in
            try executions.execute(id, caller: caller, body: body, db: db)
        }, { execution in
            var out: [UInt8] = Array("{\"executionId\":".utf8)
            JSONWriter.appendString(execution.raw, to: &out)
            out.append(contentsOf: ",\"status\":\"running\"}".utf8)
            return Response.json(out)
        })
    }

    func listExecutions(_ req: inout Request) throws -> Response {
        let owner = try requireSession(&req).user.id
        let rows = try services.executions.list(WorkflowID(req.parameter("workflowId") ?? ""), owner: owner,
                                                limit: req.queryParameter("limit"), before: req.queryParameter("before"),
                                                db: reader(req))
        return Response.json(jsonArray(rows) { r, out in r.write(to: &out) })
    }

    func deleteExecutions(_ req: inout Request) throws -> Response {
        let owner = try requireSession(&req).user.id
        let pending = try services.executions.deleteFinished(WorkflowID(req.parameter("workflowId") ?? ""), owner: owner,
                                                             db: reader(req))
        return Response.later(pending) { n in Response.json(Array("{\"success\":true,\"deletedCount\":\(n)}".utf8)) }
    }

    func executionStatus(_ req: inout Request) throws -> Response {
        let caller = try requireSession(&req).user.id
        let id = ExecutionID(req.parameter("executionId") ?? "")
        let (status, nodes) = try services.executions.status(id, caller: caller, db: reader(req))
        var out: [UInt8] = Array("{\"id\":".utf8)
        JSONWriter.appendString(id.raw, to: &out)
        out.append(contentsOf: ",\"status\":".utf8); JSONWriter.appendString(status, to: &out)
        out.append(contentsOf: ",\"nodeStatuses\":{".utf8)
        for (i, (node, s)) in nodes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(node, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.appendString(s, to: &out)
        }
        out.append(contentsOf: "}}".utf8)
        return Response.json(out)
    }

    func executionLogs(_ req: inout Request) throws -> Response {
        let caller = try requireSession(&req).user.id
        let rows = try services.executions.logs(ExecutionID(req.parameter("executionId") ?? ""), caller: caller, db: reader(req))
        return Response.json(jsonArray(rows) { r, out in r.write(to: &out) })
    }

    func cancelExecution(_ req: inout Request) throws -> Response {
        let caller = try requireSession(&req).user.id
        _ = try req.jsonObject(optional: true)
        let id = ExecutionID(req.parameter("executionId") ?? "")
        let pending = try services.executions.cancel(id, caller: caller, db: reader(req))
        return Response.later(pending) {
            var out: [UInt8] = Array("{\"id\":".utf8)
            JSONWriter.appendString(id.raw, to: &out)
            out.append(contentsOf: ",\"status\":\"cancelled\"}".utf8)
            return Response.json(out)
        }
    }
}

extension ExecutionRow {
    /// The `Execution` object (SPEC §6).
    func write(to out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":".utf8); JSONWriter.appendString(id.raw, to: &out)
        out.append(contentsOf: ",\"status\":".utf8); JSONWriter.appendString(status, to: &out)
        out.append(contentsOf: ",\"input\":".utf8); out.append(contentsOf: inputText.utf8)
        out.append(contentsOf: ",\"output\":".utf8); out.append(contentsOf: (outputText ?? "null").utf8)
        out.append(contentsOf: ",\"error\":".utf8); JSONWriter.appendNullableString(error, to: &out)
        appendTimes(startedAt, completedAt, durationMs, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension LogRow {
    /// The `LogEntry` object (SPEC §6).
    func write(to out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":".utf8); JSONWriter.appendString(id, to: &out)
        out.append(contentsOf: ",\"nodeId\":".utf8); JSONWriter.appendString(nodeID, to: &out)
        out.append(contentsOf: ",\"nodeName\":".utf8); JSONWriter.appendString(nodeName, to: &out)
        out.append(contentsOf: ",\"nodeType\":".utf8); JSONWriter.appendString(nodeType, to: &out)
        out.append(contentsOf: ",\"status\":".utf8); JSONWriter.appendString(status, to: &out)
        out.append(contentsOf: ",\"input\":".utf8); out.append(contentsOf: (inputText ?? "null").utf8)
        out.append(contentsOf: ",\"output\":".utf8); out.append(contentsOf: (outputText ?? "null").utf8)
        out.append(contentsOf: ",\"error\":".utf8); JSONWriter.appendNullableString(error, to: &out)
        appendTimes(startedAt, completedAt, durationMs, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}

/// `,"startedAt":"…","completedAt":"…"|null,"duration":"<ms>"|null` (SPEC §0: durations are strings).
private func appendTimes(_ started: Int64, _ completed: Int64?, _ duration: Int64?, to out: inout [UInt8]) {
    out.append(contentsOf: ",\"startedAt\":\"".utf8); ISO8601.append(milliseconds: started, to: &out)
    out.append(contentsOf: "\",\"completedAt\":".utf8)
    if let completed {
        out.append(UInt8(ascii: "\"")); ISO8601.append(milliseconds: completed, to: &out); out.append(UInt8(ascii: "\""))
    } else {
        out.append(contentsOf: "null".utf8)
    }
    out.append(contentsOf: ",\"duration\":".utf8)
    if let duration { out.append(contentsOf: "\"\(duration)\"".utf8) } else { out.append(contentsOf: "null".utf8) }
}
