// Database, Statement and Row: pragmas, the statement cache, typed columns, transactions and errors.
// Each test opens its own temp file.
import CSQLite
import Store
import Testing

@Suite struct DatabaseTests {
    @Test func openSetsPerConnectionPragmas() throws {
        try withTempDirectory { dir in
            let db = try Database.open(path: dir + "/p.db")
            #expect(try db.queryOne("PRAGMA journal_mode", [], { $0.text(0) }) == "wal")
            #expect(try db.queryOne("PRAGMA foreign_keys", [], { $0.int(0) }) == 1)
            #expect(try db.queryOne("PRAGMA synchronous", [], { $0.int(0) }) == 2)   // FULL
            #expect(try db.queryOne("PRAGMA busy_timeout", [], { $0.int(0) }) == 5000)
            #expect(!db.isReadOnly && db.isAutocommit)
        }
    }

    @Test func openFailureNamesThePath() throws {
        let path = "/nonexistent-dir-\(UInt64.random(in: 0...UInt64.max))/x.db"
        let error = #expect(throws: StoreError.self) { try Database.open(path: path) }
        #expect(error?.primaryCode == SQLITE_CANTOPEN)
        #expect(error?.message.hasSuffix(path) == true)
    }

    @Test func readerSeesCommittedRowsAndCannotWrite() throws {
        try withTempDirectory { dir in
            let path = dir + "/r.db"
            let writer = try Database.open(path: path)
            try writer.execute("CREATE TABLE t (x INTEGER NOT NULL) STRICT; INSERT INTO t VALUES (1);")
            let reader = try Database.openReader(path: path)
            #expect(reader.isReadOnly)
            #expect(try reader.queryOne("PRAGMA foreign_keys", [], { $0.int(0) }) == 1)
            // An open write transaction is invisible to the reader until it commits (WAL snapshot isolation).
            try writer.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (2);")
            #expect(try reader.query("SELECT x FROM t ORDER BY x", [], { $0.int(0) }) == [1])
            try writer.execute("COMMIT")
            #expect(try reader.query("SELECT x FROM t ORDER BY x", [], { $0.int(0) }) == [1, 2])
            let error = #expect(throws: StoreError.self) { try reader.run("INSERT INTO t VALUES (3)") }
            #expect(error?.primaryCode == SQLITE_READONLY)
        }
    }

    @Test func readerOfMissingFileFails() throws {
        try withTempDirectory { dir in
            #expect(throws: StoreError.self) { try Database.openReader(path: dir + "/missing.db") }
        }
    }

    @Test func cachedStatementIsReusedWithBindingsCleared() throws {
        let db = try Database.open(path: ":memory:")
        let first = try db.cached("SELECT ?")
        try first.bind([42])
        #expect(try first.step())
        #expect(first.row.int(0) == 42)
        let again = try db.cached("SELECT ?")
        #expect(again === first)
        // Reset and cleared: the placeholder is NULL again.
        #expect(try again.step())
        #expect(again.row.isNull(0))
        for n in 0..<100 {
            #expect(try db.queryOne("SELECT ? + 1", [.int(Int64(n))], { $0.int(0) }) == Int64(n) + 1)
        }
        #expect(db.cachedStatementCount == 2)
    }

    @Test func nestedQueryOfTheSameSQLGetsItsOwnStatement() throws {
        let db = try Database.open(path: ":memory:")
        try db.execute("CREATE TABLE t (x INTEGER NOT NULL); INSERT INTO t VALUES (1), (2), (3);")
        let sql = "SELECT x FROM t WHERE x >= ? ORDER BY x"
        let pairs = try db.query(sql, [1]) { row in
            let x = row.int(0)
            return (x, try db.query(sql, [.int(x)], { $0.int(0) }).count)
        }
        #expect(pairs.map(\.0) == [1, 2, 3])
        #expect(pairs.map(\.1) == [3, 2, 1])
    }

    @Test func typedColumnsRoundTrip() throws {
        let db = try Database.open(path: ":memory:")
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB) STRICT")
        let text = "héllo ✓ 🚀 \u{0} after NUL"
        try db.run("INSERT INTO t (id, i, r, s, b) VALUES (?, ?, ?, ?, ?)",
                   [1, .int(Int64.max), 3.25, .text(text), .blob([0, 1, 255])])
        try db.run("INSERT INTO t (id, i, r, s, b) VALUES (?, ?, ?, ?, ?)", [2, .int(Int64.min), -0.5, "", .blob([])])
        try db.run("INSERT INTO t (id, i, r, s, b) VALUES (?, ?, ?, ?, ?)", [3, nil, nil, nil, nil])
        #expect(db.lastInsertRowID == 3)

        let one = try #require(try db.queryOne("SELECT i, r, s, b FROM t WHERE id = 1", [], {
            ($0.int(0), $0.double(1), $0.text(2), $0.blob(3), $0.count)
        }))
        #expect(one.0 == Int64.max && one.1 == 3.25 && one.2 == text && one.3 == [0, 1, 255] && one.4 == 4)

        // Empty text and empty blob are values, not NULL.
        let two = try #require(try db.queryOne("SELECT i, r, s, b FROM t WHERE id = 2", [], {
            ($0.int(0), $0.double(1), $0.optionalText(2), $0.optionalBlob(3), $0.isNull(2), $0.isNull(3))
        }))
        #expect(two.0 == Int64.min && two.1 == -0.5 && two.2 == "" && two.3 == [] && !two.4 && !two.5)

        let three = try #require(try db.queryOne("SELECT i, r, s, b FROM t WHERE id = 3", [], {
            ($0.optionalInt(0), $0.optionalDouble(1), $0.optionalText(2), $0.optionalBlob(3), $0.isNull(0))
        }))
        #expect(three.0 == nil && three.1 == nil && three.2 == nil && three.3 == nil && three.4)

        let values = try db.query("SELECT i, r, s, b FROM t ORDER BY id", [], { row in (0..<4).map(row.value) })
        #expect(values[0] == [.int(Int64.max), .double(3.25), .text(text), .blob([0, 1, 255])])
        #expect(values[2] == [.null, .null, .null, .null])
        #expect(try db.queryOne("SELECT 1 = 1, 1 = 0", [], { [$0.bool(0), $0.bool(1)] }) == [true, false])
    }

    @Test func literalsAndOptionalInitializersMakeValues() {
        let values: [SQLValue] = [nil, 7, 1.5, "x", true,
                                  SQLValue(nil as String?), SQLValue(3 as Int?), SQLValue(false)]
        #expect(values == [.null, .int(7), .double(1.5), .text("x"), .int(1), .null, .int(3), .int(0)])
    }

    @Test func runReportsChangedRows() throws {
        let db = try Database.open(path: ":memory:")
        try db.execute("CREATE TABLE t (x INTEGER NOT NULL); INSERT INTO t VALUES (1), (2), (3);")
        #expect(try db.run("UPDATE t SET x = x + 10 WHERE x >= ?", [2]) == 2)
        #expect(db.changes == 2)
        #expect(try db.run("DELETE FROM t WHERE x = ?", [99]) == 0)
    }

    @Test func wrongArgumentCountIsARangeError() throws {
        let db = try Database.open(path: ":memory:")
        let error = #expect(throws: StoreError.self) { try db.queryOne("SELECT ?, ?", [1], { $0.int(0) }) }
        #expect(error?.code == SQLITE_RANGE && error?.sql == "SELECT ?, ?")
    }

    @Test func syntaxErrorCarriesCodeMessageAndSQL() throws {
        let db = try Database.open(path: ":memory:")
        let error = #expect(throws: StoreError.self) { try db.prepare("SELEC 1") }
        #expect(error?.code == SQLITE_ERROR)
        #expect(error?.message.contains("syntax error") == true)
        #expect(error?.sql == "SELEC 1")
        #expect(error?.description == "near \"SELEC\": syntax error (code 1) in: SELEC 1")
        let script = #expect(throws: StoreError.self) { try db.execute("CREATE TABLE a (x); SELEC 1;") }
        #expect(script?.message.contains("syntax error") == true)
    }

    @Test func prepareTakesExactlyOneStatement() throws {
        let db = try Database.open(path: ":memory:")
        _ = try db.prepare("SELECT 1; ")
        let error = #expect(throws: StoreError.self) { try db.prepare("SELECT 1; SELECT 2") }
        #expect(error?.code == SQLITE_MISUSE)
        #expect(throws: StoreError.self) { try db.prepare("  -- nothing") }
    }

    @Test func transactionCommitsOrRollsBack() throws {
        struct Boom: Error {}
        try withTempDirectory { dir in
            let db = try Database.open(path: dir + "/t.db")
            try db.execute("CREATE TABLE t (x INTEGER NOT NULL) STRICT")
            let value = try db.transaction { () throws -> Int in
                try db.run("INSERT INTO t VALUES (1)")
                #expect(!db.isAutocommit)
                return 7
            }
            #expect(value == 7 && db.isAutocommit)
            #expect(throws: Boom.self) {
                try db.transaction {
                    try db.run("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            }
            #expect(db.isAutocommit)
            #expect(try db.query("SELECT x FROM t", [], { $0.int(0) }) == [1])
        }
    }

    @Test func nestedTransactionRollsBackOnlyItself() throws {
        struct Boom: Error {}
        let db = try Database.open(path: ":memory:")
        try db.execute("CREATE TABLE t (x INTEGER NOT NULL)")
        try db.transaction {
            try db.run("INSERT INTO t VALUES (1)")
            #expect(throws: Boom.self) {
                try db.transaction {
                    try db.run("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            }
            try db.savepoint("inner") { try db.run("INSERT INTO t VALUES (3)") }
        }
        #expect(try db.query("SELECT x FROM t ORDER BY x", [], { $0.int(0) }) == [1, 3])
    }

    @Test func failedCommitRollsBack() throws {
        let db = try Database.open(path: ":memory:")
        try db.execute("""
            CREATE TABLE p (id INTEGER PRIMARY KEY);
            CREATE TABLE c (p INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED);
            """)
        let error = #expect(throws: StoreError.self) {
            try db.transaction { try db.run("INSERT INTO c VALUES (1)") }
        }
        #expect(error?.isForeignKeyViolation == true)
        #expect(db.isAutocommit)
        #expect(try count(db, "c") == 0)
    }

    @Test func storeErrorWithoutSQLDescribesItselfByMessage() {
        let error = StoreError(code: SQLITE_CANTOPEN, message: "File exists: /tmp/x.db")
        #expect(error.description == "File exists: /tmp/x.db")
        #expect(!error.isUniqueViolation && !error.isForeignKeyViolation && !error.isConstraintViolation)
    }
}
