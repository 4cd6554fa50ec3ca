// Migrator: applies pending migrations in name order, each in its own transaction, recorded in schema_migrations.
// Runs on whichever thread owns the Database it is given (startup, or `orchestrator migrate`).
import CSQLite

/// Forward-only migrations (GRDB's `DatabaseMigrator` without the DSL). Each pending migration runs with its
/// `schema_migrations` row in one transaction, so a failure leaves the database at the previous version.
///
/// `PRAGMA foreign_keys` cannot change inside a transaction: a migration that rebuilds a table must use
/// `PRAGMA defer_foreign_keys = ON` instead.
public enum Migrator {
    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """

    /// Applies every embedded migration not yet recorded; returns the names applied (empty when none were pending).
    @discardableResult
    public static func migrate(_ db: Database) throws -> [String] {
        try migrate(db, migrations: Migration.embedded)
    }

    /// Applies the given migrations (sorted by file name) that are not yet recorded; returns the names applied.
    /// Throws when a name lacks its `NNNN_` version, when two share a version, or when the database records a
    /// version this list does not know (a newer binary migrated it).
    @discardableResult
    public static func migrate(_ db: Database, migrations: [Migration]) throws -> [String] {
        let ordered = try validate(migrations)
        try db.execute(createTable)
        let known = Set(ordered.compactMap(\.version))
        if let unknown = try appliedVersions(db).first(where: { !known.contains($0) }) {
            throw StoreError(code: SQLITE_ERROR,
                             message: "database has migration \(unknown), unknown to this binary; refusing to run")
        }
        var applied: [String] = []
        for migration in ordered {
            // Re-checked inside the write transaction: another process may have applied it meanwhile.
            let ran = try db.transaction { () throws -> Bool in
                guard try !isApplied(migration, in: db) else { return false }
                try db.execute(migration.sql)
                try record(migration, in: db)
                return true
            }
            if ran { applied.append(migration.name) }
        }
        return applied
    }

    /// Versions recorded in `schema_migrations`, ascending (empty when the table does not exist yet).
    public static func appliedVersions(_ db: Database) throws -> [Int64] {
        let exists = try db.queryOne("""
            SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'
            """, [], { _ in true }) ?? false
        guard exists else { return [] }
        return try db.query("""
            SELECT version FROM schema_migrations ORDER BY version
            """, [], { $0.int(0) })
    }

    private static func isApplied(_ migration: Migration, in db: Database) throws -> Bool {
        try db.queryOne("""
            SELECT 1 FROM schema_migrations WHERE version = ?
            """, [SQLValue(migration.version)], { _ in true }) ?? false
    }

    private static func record(_ migration: Migration, in db: Database) throws {
        try db.run("""
            INSERT INTO schema_migrations (version, name, applied_at)
            VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            """, [SQLValue(migration.version), .text(migration.name)])
    }

    private static func validate(_ migrations: [Migration]) throws -> [Migration] {
        let ordered = migrations.sorted { $0.fileName < $1.fileName }
        var seen: Set<Int64> = []
        for migration in ordered {
            guard let version = migration.version else {
                throw StoreError(code: SQLITE_MISUSE, message: "migration name must start NNNN_: \(migration.fileName)")
            }
            guard seen.insert(version).inserted else {
                throw StoreError(code: SQLITE_MISUSE, message: "two migrations share version \(version)")
            }
        }
        return ordered
    }
}
