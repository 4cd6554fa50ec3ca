// Migrator and the embedded migrations: fresh and repeated runs, atomicity, and the embedded copy matching Migrations/.
// Each test opens its own temp file.
import CSQLite
import Foundation
import Store
import Testing

@Suite struct MigratorTests {
    @Test func freshDatabaseGetsEveryMigration() throws {
        try withTempDirectory { dir in
            let db = try Database.open(path: dir + "/m.db")
            let applied = try Migrator.migrate(db)
            #expect(applied == Migration.embedded.map(\.name))
            #expect(applied.first == "0001_initial_schema")
            let rows = try db.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version", []) {
                ($0.int(0), $0.text(1), $0.text(2))
            }
            #expect(rows.map(\.0) == Migration.embedded.compactMap(\.version))
            #expect(rows.map(\.1) == applied)
            // applied_at is ISO-8601 UTC with milliseconds, e.g. 2025-01-15T10:00:00.000Z.
            let iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
            #expect(rows.allSatisfy { $0.2.wholeMatch(of: iso) != nil })
            #expect(try Migrator.appliedVersions(db) == rows.map(\.0))
        }
    }

    @Test func migratedDatabaseHasNothingPending() throws {
        try withTempDirectory { dir in
            let path = dir + "/m.db"
            try Migrator.migrate(Database.open(path: path))
            let db = try Database.open(path: path)
            #expect(try Migrator.migrate(db) == [])
            #expect(try Migrator.migrate(db) == [])
            #expect(try count(db, "schema_migrations") == Int64(Migration.embedded.count))
        }
    }

    @Test func embeddedMigrationsEqualTheFilesInMigrations() throws {
        let folder = repositoryRoot().appendingPathComponent("Migrations")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        #expect(!names.isEmpty)
        #expect(Migration.embedded.map(\.fileName) == names, "run scripts/gen-migrations.sh")
        for (name, embedded) in zip(names, Migration.embedded) {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(embedded.sql == text, "\(name) differs from its embedded copy: run scripts/gen-migrations.sh")
        }
    }

    @Test func migrationNamesCarryTheirVersion() {
        #expect(Migration(fileName: "0012_add_things.sql", sql: "").version == 12)
        #expect(Migration(fileName: "0012_add_things.sql", sql: "").name == "0012_add_things")
        #expect(Migration(fileName: "add_things.sql", sql: "").version == nil)
        #expect(Migration(fileName: "0012.sql", sql: "").version == nil)
    }

    @Test func failingMigrationLeavesThePreviousVersion() throws {
        let good = Migration(fileName: "0001_make_a.sql", sql: "CREATE TABLE a (x INTEGER);")
        let bad = Migration(fileName: "0002_make_b.sql",
                            sql: "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);")
        try withTempDirectory { dir in
            let db = try Database.open(path: dir + "/m.db")
            #expect(throws: StoreError.self) { try Migrator.migrate(db, migrations: [bad, good]) }
            #expect(try Migrator.appliedVersions(db) == [1])
            let tables = try db.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('a', 'b')", [],
                                      { $0.text(0) })
            #expect(tables == ["a"])
            let fixed = Migration(fileName: "0002_make_b.sql", sql: "CREATE TABLE b (x INTEGER);")
            #expect(try Migrator.migrate(db, migrations: [good, fixed]) == ["0002_make_b"])
        }
    }

    @Test func databaseFromANewerBinaryIsRefused() throws {
        let first = Migration(fileName: "0001_make_a.sql", sql: "CREATE TABLE a (x INTEGER);")
        let second = Migration(fileName: "0002_make_b.sql", sql: "CREATE TABLE b (x INTEGER);")
        try withTempDirectory { dir in
            let db = try Database.open(path: dir + "/m.db")
            try Migrator.migrate(db, migrations: [first, second])
            let error = #expect(throws: StoreError.self) { try Migrator.migrate(db, migrations: [first]) }
            #expect(error?.message.contains("unknown to this binary") == true)
        }
    }

    @Test func invalidMigrationListsAreRejected() throws {
        let db = try Database.open(path: ":memory:")
        #expect(throws: StoreError.self) {
            try Migrator.migrate(db, migrations: [Migration(fileName: "initial.sql", sql: "")])
        }
        #expect(throws: StoreError.self) {
            try Migrator.migrate(db, migrations: [Migration(fileName: "0001_a.sql", sql: ""),
                                                  Migration(fileName: "01_b.sql", sql: "")])
        }
    }
}
