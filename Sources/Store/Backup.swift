// Backup: copies a live database into a new file with SQLite's online backup API (sqlite3_backup_*).
// Runs on the calling thread with two connections of its own; safe while a Writer commits in this or another process.
import CSQLite
import Glibc

/// `orchestrator backup <file>`: a consistent copy of a database that may be in use.
public enum Backup {
    /// Pause between attempts when the source is momentarily locked (`SQLITE_BUSY`/`SQLITE_LOCKED`).
    public static let retryMilliseconds: Int32 = 50
    /// Attempts before giving up on a locked source (each already waits up to the connection's busy timeout).
    public static let maxAttempts = 100

    /// Copies the database at `sourcePath` to `destinationPath`, which must not exist (else `StoreError` with message
    /// exactly `File exists: <destinationPath>`). All pages are copied in one step, i.e. from one read transaction:
    /// in WAL mode that is a consistent snapshot, and it never blocks the writer. On failure the partial copy is
    /// removed.
    public static func copy(from sourcePath: String, to destinationPath: String) throws {
        // O_EXCL creates the file only if absent: the refusal and the creation are one step, so no race with
        // another process creating it in between.
        let fd = open(destinationPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { throw StoreError(code: SQLITE_CANTOPEN, message: "File exists: \(destinationPath)") }
            throw StoreError(code: SQLITE_CANTOPEN, message: "\(destinationPath): \(String(cString: strerror(code)))")
        }
        close(fd)
        do {
            try copyPages(from: sourcePath, to: destinationPath)
        } catch {
            // Both connections are closed by now (copyPages returned), so the files can go.
            unlink(destinationPath)
            unlink(destinationPath + "-journal")
            throw error
        }
    }

    private static func copyPages(from sourcePath: String, to destinationPath: String) throws {
        let source = try Database.openReader(path: sourcePath)
        // Rollback journal for the copy: it is a plain file to hand around, not a live database.
        let destination = try Database.open(path: destinationPath, readOnly: false, wal: false)
        guard let backup = sqlite3_backup_init(destination.handle, "main", source.handle, "main") else {
            // sqlite.org/c3ref/backup_finish.html: on failure the error is stored in the destination connection.
            throw StoreError(code: sqlite3_extended_errcode(destination.handle), connection: destination.handle,
                             sql: nil)
        }
        var rc: Int32
        var attempts = 0
        repeat {
            rc = sqlite3_backup_step(backup, -1)   // -1: every remaining page in this step
            let primary = rc & 0xff
            if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
                attempts += 1
                guard attempts < maxAttempts else { break }
                sqlite3_sleep(retryMilliseconds)
                rc = SQLITE_OK
            }
        } while rc == SQLITE_OK
        // backup_finish releases the backup and returns the step's error, if any; the step's own code wins.
        let finished = sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE else {
            throw StoreError(code: rc, message: String(cString: sqlite3_errstr(rc)) + " during backup of \(sourcePath)")
        }
        guard finished == SQLITE_OK else {
            throw StoreError(code: finished, connection: destination.handle, sql: nil)
        }
    }
}
