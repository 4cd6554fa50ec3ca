// The schema of Migrations/: every foreign-key cascade, every UNIQUE index, CHECKs, STRICT types and §14's indexes.
// Each test migrates its own temp file.
import CSQLite
import Store
import Testing

@Suite struct SchemaTests {
    static let tables = ["users", "sessions", "workflows", "executions", "execution_logs", "integrations", "api_keys",
                         "schedule_ledger", "webhook_idempotency"]

    /// One user owning one of everything, plus a second workflow with its own execution, so cascades can be checked
    /// for what they remove and for what they keep.
    static func populate(_ db: Database) throws {
        try Fixture.user(db, "user_a", email: "ada@example.com")
        try Fixture.session(db, "s1", user: "user_a", tokenHash: "h1")
        try Fixture.integration(db, "int_1", user: "user_a")
        try Fixture.apiKey(db, "key_1", user: "user_a", hash: "kh1")
        for wf in ["wf_1", "wf_2"] {
            try Fixture.workflow(db, wf, user: "user_a")
            try Fixture.execution(db, "exec_\(wf)", workflow: wf, user: "user_a")
            try Fixture.log(db, "log_\(wf)_1", execution: "exec_\(wf)", seq: 1)
            try Fixture.log(db, "log_\(wf)_2", execution: "exec_\(wf)", seq: 2)
            try Fixture.ledger(db, workflow: wf, slot: Fixture.now, execution: "exec_\(wf)")
            try Fixture.idempotency(db, workflow: wf, key: "order-1042", execution: "exec_\(wf)")
        }
    }

    @Test func freshSchemaPassesIntegrityAndForeignKeyChecks() throws {
        try withMigratedDatabase { db, _ in
            try Self.populate(db)
            #expect(try db.query("PRAGMA integrity_check", [], { $0.text(0) }) == ["ok"])
            #expect(try db.query("PRAGMA foreign_key_check", [], { $0.text(0) }) == [])
            let strict = try db.query("SELECT name FROM pragma_table_list WHERE schema = 'main' AND strict = 1", [],
                                      { $0.text(0) })
            #expect(Set(strict) == Set(Self.tables))
        }
    }

    @Test func deletingAnExecutionDeletesItsLogs() throws {
        try withMigratedDatabase { db, _ in
            try Self.populate(db)
            #expect(try db.run("DELETE FROM executions WHERE id = ?", ["exec_wf_1"]) == 1)
            #expect(try db.query("SELECT id FROM execution_logs ORDER BY id", [], { $0.text(0) })
                    == ["log_wf_2_1", "log_wf_2_2"])
            #expect(try count(db, "schedule_ledger") == 2)       // slots stay fired even when runs are pruned
            #expect(try count(db, "webhook_idempotency") == 2)
        }
    }

    @Test func deletingAWorkflowDeletesItsRunsLedgerAndIdempotencyRows() throws {
        try withMigratedDatabase { db, _ in
            try Self.populate(db)
            #expect(try db.run("DELETE FROM workflows WHERE id = ?", ["wf_1"]) == 1)
            #expect(try db.query("SELECT id FROM executions", [], { $0.text(0) }) == ["exec_wf_2"])
            #expect(try db.query("SELECT DISTINCT execution_id FROM execution_logs", [], { $0.text(0) })
                    == ["exec_wf_2"])
            #expect(try db.query("SELECT workflow_id FROM schedule_ledger", [], { $0.text(0) }) == ["wf_2"])
            #expect(try db.query("SELECT workflow_id FROM webhook_idempotency", [], { $0.text(0) }) == ["wf_2"])
            for kept in ["users", "sessions", "integrations", "api_keys"] {
                #expect(try count(db, kept) == 1, "\(kept)")
            }
        }
    }

    @Test func deletingAUserDeletesEverythingItOwns() throws {
        try withMigratedDatabase { db, _ in
            try Self.populate(db)
            try Fixture.user(db, "user_b")
            try Fixture.workflow(db, "wf_b", user: "user_b")
            #expect(try db.run("DELETE FROM users WHERE id = ?", ["user_a"]) == 1)
            for table in Self.tables where table != "users" && table != "workflows" {
                #expect(try count(db, table) == 0, "\(table)")
            }
            #expect(try db.query("SELECT id FROM workflows", [], { $0.text(0) }) == ["wf_b"])
            #expect(try db.query("SELECT id FROM users", [], { $0.text(0) }) == ["user_b"])
        }
    }

    /// Each case inserts a row that duplicates one inserted by `populate` on a UNIQUE index or primary key.
    static let duplicates: [(String, @Sendable (Database) throws -> Void)] = [
        ("users.email", { try Fixture.user($0, "user_c", email: "ada@example.com") }),
        ("users.id", { try Fixture.user($0, "user_a", email: "other@example.com") }),
        ("sessions.token_hash", { try Fixture.session($0, "s2", user: "user_a", tokenHash: "h1") }),
        ("api_keys.key_hash", { try Fixture.apiKey($0, "key_2", user: "user_a", hash: "kh1") }),
        ("schedule_ledger(workflow_id, slot)", { try Fixture.ledger($0, workflow: "wf_1", slot: Fixture.now) }),
        ("webhook_idempotency(workflow_id, key)", {
            try Fixture.idempotency($0, workflow: "wf_1", key: "order-1042", execution: "exec_other")
        }),
        ("execution_logs(execution_id, seq)", { try Fixture.log($0, "log_x", execution: "exec_wf_1", seq: 2) }),
        ("workflows.id", { try Fixture.workflow($0, "wf_1", user: "user_a") }),
    ]

    @Test(arguments: duplicates.indices)
    func duplicateIsAUniqueViolation(_ index: Int) throws {
        let (name, insert) = Self.duplicates[index]
        try withMigratedDatabase { db, _ in
            try Self.populate(db)
            let error = #expect(throws: StoreError.self, "\(name)") { try insert(db) }
            #expect(error?.isUniqueViolation == true, "\(name): \(String(describing: error))")
        }
    }

    @Test func uniqueKeysAreScopedToTheirWorkflow() throws {
        try withMigratedDatabase { db, _ in
            try Self.populate(db)
            try Fixture.ledger(db, workflow: "wf_1", slot: Fixture.now + 60_000)
            try Fixture.idempotency(db, workflow: "wf_1", key: "order-1043", execution: "exec_wf_1")
            try Fixture.log(db, "log_wf_1_3", execution: "exec_wf_1", seq: 3)
            // Anonymous users have no email; NULLs never collide.
            try Fixture.user(db, "user_anon_1")
            try Fixture.user(db, "user_anon_2")
            #expect(try count(db, "users") == 3)
        }
    }

    /// Each case references a parent row that does not exist.
    static let orphans: [(String, @Sendable (Database) throws -> Void)] = [
        ("sessions.user_id", { try Fixture.session($0, "s9", user: "user_missing", tokenHash: "h9") }),
        ("workflows.user_id", { try Fixture.workflow($0, "wf_9", user: "user_missing") }),
        ("executions.workflow_id", { try Fixture.execution($0, "exec_9", workflow: "wf_missing", user: "user_a") }),
        ("executions.user_id", { try Fixture.execution($0, "exec_9", workflow: "wf_1", user: "user_missing") }),
        ("execution_logs.execution_id", { try Fixture.log($0, "log_9", execution: "exec_missing", seq: 1) }),
        ("integrations.user_id", { try Fixture.integration($0, "int_9", user: "user_missing") }),
        ("api_keys.user_id", { try Fixture.apiKey($0, "key_9", user: "user_missing", hash: "kh9") }),
        ("schedule_ledger.workflow_id", { try Fixture.ledger($0, workflow: "wf_missing", slot: 1) }),
        ("webhook_idempotency.workflow_id", {
            try Fixture.idempotency($0, workflow: "wf_missing", key: "k", execution: "exec_1")
        }),
    ]

    @Test(arguments: orphans.indices)
    func orphanIsAForeignKeyViolation(_ index: Int) throws {
        let (name, insert) = Self.orphans[index]
        try withMigratedDatabase { db, _ in
            try Self.populate(db)
            let error = #expect(throws: StoreError.self, "\(name)") { try insert(db) }
            #expect(error?.isForeignKeyViolation == true, "\(name): \(String(describing: error))")
        }
    }

    @Test func checksRejectValuesOutsideTheirDomain() throws {
        try withMigratedDatabase { db, _ in
            try Self.populate(db)
            let visibility = #expect(throws: StoreError.self) { try Fixture.workflow(db, "wf_x", user: "user_a",
                                                                                     visibility: "secret") }
            #expect(visibility?.isCheckViolation == true)
            let status = #expect(throws: StoreError.self) {
                try Fixture.execution(db, "exec_x", workflow: "wf_1", user: "user_a", status: "done")
            }
            #expect(status?.isCheckViolation == true)
            let type = #expect(throws: StoreError.self) { try Fixture.integration(db, "int_x", user: "user_a",
                                                                                  type: "discord") }
            #expect(type?.isCheckViolation == true)
            // STRICT: text in an INTEGER column is an error, not a silent conversion.
            let strict = #expect(throws: StoreError.self) {
                try db.run("UPDATE workflows SET updated_at = ? WHERE id = ?", ["yesterday", "wf_1"])
            }
            #expect(strict?.isConstraintViolation == true && strict?.code == CSQLITE_CONSTRAINT_DATATYPE)
        }
    }

    @Test func section14IndexesExist() throws {
        try withMigratedDatabase { db, _ in
            let indexes = try db.query("""
                SELECT il.name, il."unique", group_concat(ii.name, ',')
                FROM sqlite_schema AS t, pragma_index_list(t.name) AS il, pragma_index_info(il.name) AS ii
                WHERE t.type = 'table' AND il.origin = 'c'
                GROUP BY il.name
                """, []) { ($0.text(0), $0.bool(1), $0.text(2)) }
            let byName = Dictionary(uniqueKeysWithValues: indexes.map { ($0.0, ($0.1, $0.2)) })
            let expected: [(String, Bool, String)] = [
                ("executions_workflow_started", false, "workflow_id,started_at,id"),
                ("execution_logs_execution_seq", true, "execution_id,seq"),
                ("api_keys_key_hash", true, "key_hash"),
                ("sessions_token_hash", true, "token_hash"),
                ("users_email", true, "email"),
                ("workflows_user_updated", false, "user_id,updated_at,id"),
                ("integrations_user_type", false, "user_id,type"),
                ("schedule_ledger_workflow_slot", true, "workflow_id,slot"),
                ("webhook_idempotency_workflow_key", true, "workflow_id,key"),
            ]
            for (name, unique, columns) in expected {
                #expect(byName[name]?.0 == unique, "\(name) unique")
                #expect(byName[name]?.1 == columns, "\(name) columns")
            }
        }
    }

    @Test func hotQueriesUseTheirIndexes() throws {
        try withMigratedDatabase { db, _ in
            // (sql, arguments, index used, whether the index also yields the order so no sort is needed)
            let plans: [(String, [SQLValue], String, Bool)] = [
                ("SELECT id FROM executions WHERE workflow_id = ? ORDER BY started_at DESC, id DESC LIMIT 50",
                 ["wf_1"], "executions_workflow_started", true),
                ("SELECT id FROM executions WHERE status = 'running'", [], "executions_running", true),
                // A run has at most a few thousand log rows: sorting them by (started_at, seq) is cheap.
                ("SELECT id FROM execution_logs WHERE execution_id = ? ORDER BY started_at, seq",
                 ["exec_1"], "execution_logs_execution_seq", false),
                ("SELECT id FROM execution_logs WHERE status = 'running'", [], "execution_logs_running", true),
                ("SELECT id FROM workflows WHERE user_id = ? ORDER BY updated_at DESC", ["user_a"],
                 "workflows_user_updated", true),
                ("SELECT id FROM integrations WHERE user_id = ? AND type = ?", ["user_a", "slack"],
                 "integrations_user_type", true),
                ("SELECT id FROM api_keys WHERE key_hash = ?", ["kh1"], "api_keys_key_hash", true),
                ("SELECT user_id FROM sessions WHERE token_hash = ?", ["h1"], "sessions_token_hash", true),
            ]
            for (sql, args, index, ordered) in plans {
                let detail = try db.query("EXPLAIN QUERY PLAN " + sql, args, { $0.text(3) }).joined(separator: "; ")
                #expect(detail.contains(index), "\(sql): \(detail)")
                if ordered { #expect(!detail.contains("TEMP B-TREE"), "\(sql): \(detail)") }
            }
        }
    }
}
