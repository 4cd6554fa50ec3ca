// Persistence of runs as the engine reports them (SPEC §5 "What is written when"): each report is one group-commit
// unit, queued without waiting, so a run's rows share commits with everything else and no step waits on an fsync.
// Every write is conditional on the row still running: after a cancel or an interruption wrote its final state, a late
// report changes nothing. Thread-safe; called on runs' queues.
import Crypto
import Domain
import Engine
import JSON
import Log
import Store

public final class ExecutionStore: ExecutionSink, Sendable {
    let writer: Writer
    let logger: Logger?

    public init(writer: Writer, logger: Logger?) {
        self.writer = writer
        self.logger = logger
    }

    public func stepStarted(_ execution: ExecutionID, nodeID: String, nodeName: String, nodeType: String, input: JSON,
                            at: Int64) -> String {
        let id = RandomID.make(prefix: "log_")
        let inputText = input.text
        submit("log insert", execution) { db in
            try db.run("""
                INSERT INTO execution_logs (id, execution_id, seq, node_id, node_name, node_type, status, input, started_at)
                SELECT ?, ?, COALESCE((SELECT max(seq) FROM execution_logs WHERE execution_id = ?), 0) + 1, ?, ?, ?,
                       'running', ?, ?
                WHERE EXISTS (SELECT 1 FROM executions WHERE id = ? AND status = 'running')
                """, [.text(id), .text(execution.raw), .text(execution.raw), .text(nodeID), .text(nodeName), .text(nodeType),
                      .text(inputText), .int(at), .text(execution.raw)])
        }
        return id
    }

    public func stepFinished(_ execution: ExecutionID, logID: String, status: NodeStatus, output: JSON?, error: String?,
                             at: Int64, durationMs: Int64) {
        let outputText = output?.text
        submit("log update", execution) { db in
            try db.run("""
                UPDATE execution_logs SET status = ?, output = ?, error = ?, completed_at = ?, duration_ms = ?
                WHERE id = ? AND status = 'running'
                """, [.text(status.rawValue), outputText.map { .text($0) } ?? .null, error.map { .text($0) } ?? .null,
                      .int(at), .int(durationMs), .text(logID)])
        }
    }

    public func runFinished(_ execution: ExecutionID, status: RunStatus, output: JSON?, error: String?, at: Int64,
                            durationMs: Int64) {
        let outputText = output?.text
        submit("execution update", execution) { db in
            try db.run("""
                UPDATE executions SET status = ?, output = ?, error = ?, completed_at = ?, duration_ms = ?
                WHERE id = ? AND status = 'running'
                """, [.text(status.rawValue), outputText.map { .text($0) } ?? .null, error.map { .text($0) } ?? .null,
                      .int(at), .int(durationMs), .text(execution.raw)])
        }
    }

    private func submit(_ what: String, _ execution: ExecutionID, _ unit: @escaping @Sendable (Database) throws -> Void) {
        let logger = self.logger
        writer.submit(unit) { result in
            if case .failure(let error) = result {
                logger?.error("execution write failed", ["what": .string(what), "execution": .string(execution.raw),
                                                         "error": .string("\(error)")])
            }
        }
    }
}
