// Persistence of runs as the engine reports them (SPEC §5 "What is written when"): each batch of reports is one
// group-commit unit, queued without waiting, so a run's rows share commits and no step waits on an fsync.
// Updates are conditional on the row still running: after a cancel or an interruption wrote its final state, a late
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

    public func newLogID() -> String { RandomID.make(prefix: "log_") }

    /// One group-commit unit for the batch; a row started and finished in the same batch is inserted once, final.
    public func record(_ writes: [ExecutionWrite]) {
        guard let first = writes.first else { return }
        let execution: ExecutionID
        switch first {
        case .stepStarted(let e, _, _, _, _, _, _, _), .stepFinished(let e, _, _, _, _, _, _), .runFinished(let e, _, _, _, _, _):
            execution = e
        }
        let statements = ExecutionStore.statements(writes)
        submit("run progress", execution) { db in
            for (sql, args) in statements { try db.run(sql, args) }
        }
    }

    /// The SQL for a batch, in order (built off the writer thread).
    static func statements(_ writes: [ExecutionWrite]) -> [(String, [SQLValue])] {
        var out: [(String, [SQLValue])] = []
        var k = 0
        while k < writes.count {
            switch writes[k] {
            case .stepStarted(let e, let logID, let seq, let node, let name, let type, let input, let at):
                var status = "running"
                var output: SQLValue = .null, error: SQLValue = .null, completed: SQLValue = .null, duration: SQLValue = .null
                if k + 1 < writes.count, case .stepFinished(_, let id2, let s, let o, let err, let at2, let d) = writes[k + 1], id2 == logID {
                    status = s.rawValue
                    output = o.map { .text($0.text) } ?? .null
                    error = err.map { .text($0) } ?? .null
                    completed = .int(at2)
                    duration = .int(d)
                    k += 1
                }
                // No check that the execution still runs: the engine stops a run before a cancel or an interruption is
                // queued, so no batch of it can come after that write.
                out.append(("""
                    INSERT INTO execution_logs (id, execution_id, seq, node_id, node_name, node_type, status, input, output,
                                                error, started_at, completed_at, duration_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(logID), .text(e.raw), .int(Int64(seq)), .text(node), .text(name), .text(type), .text(status),
                          .text(input.text), output, error, .int(at), completed, duration]))
            case .stepFinished(_, let logID, let status, let output, let error, let at, let d):
                out.append(("""
                    UPDATE execution_logs SET status = ?, output = ?, error = ?, completed_at = ?, duration_ms = ?
                    WHERE id = ? AND status = 'running'
                    """, [.text(status.rawValue), output.map { .text($0.text) } ?? .null, error.map { .text($0) } ?? .null,
                          .int(at), .int(d), .text(logID)]))
            case .runFinished(let e, let status, let output, let error, let at, let d):
                out.append(("""
                    UPDATE executions SET status = ?, output = ?, error = ?, completed_at = ?, duration_ms = ?
                    WHERE id = ? AND status = 'running'
                    """, [.text(status.rawValue), output.map { .text($0.text) } ?? .null, error.map { .text($0) } ?? .null,
                          .int(at), .int(d), .text(e.raw)]))
            }
            k += 1
        }
        return out
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
