// Backup: a copy taken while another thread writes opens and passes integrity_check; existing files are refused.
// Each test owns its temp directory.
import Foundation
import Store
import Synchronization
import Testing

@Suite struct BackupTests {
    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    @Test func backupTakenDuringWritesIsConsistent() throws {
        try withTempDirectory { dir in
            let path = dir + "/live.db"
            try Migrator.migrate(Database.open(path: path))
            let writer = try Writer(path: path)
            defer { writer.close() }
            let padding = String(repeating: "x", count: 1_000)
            try writer.sync { db in
                for n in 0..<2_000 {
                    try db.run("""
                        INSERT INTO users (id, name, provider_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                        """, [.text("user_seed\(n)"), .text(padding), "anonymous", 0, 0])
                }
            }
            let stop = Flag()
            let stopped = DispatchSemaphore(value: 0)
            Thread {
                var n = 0
                while !stop.value.load(ordering: .relaxed) {
                    let user = "user_live\(n)", workflow = "wf_live\(n)"
                    _ = try? writer.sync { db in
                        try Fixture.user(db, user)
                        try Fixture.workflow(db, workflow, user: user)
                    }
                    n += 1
                }
                stopped.signal()
            }.start()
            // Let the write loop get going, so the copy is taken between its commits.
            while writer.commitCount < 20 { usleep(1_000) }

            let copyPath = dir + "/copy.db"
            try Backup.copy(from: path, to: copyPath)
            stop.value.store(true, ordering: .relaxed)
            stopped.wait()

            let copy = try Database.open(path: copyPath)
            #expect(try copy.query("PRAGMA integrity_check", [], { $0.text(0) }) == ["ok"])
            #expect(try copy.query("PRAGMA foreign_key_check", [], { $0.text(0) }) == [])
            #expect(try Migrator.migrate(copy) == [])
            let users = try count(copy, "users")
            let workflows = try count(copy, "workflows")
            #expect(users > 2_000)
            // Each live unit wrote a user and its workflow in one commit: a consistent copy has both or neither.
            #expect(users - 2_000 == workflows)
        }
    }

    @Test func existingDestinationIsRefused() throws {
        try withTempDirectory { dir in
            let path = dir + "/live.db"
            try Migrator.migrate(Database.open(path: path))
            let destination = dir + "/taken.db"
            try "keep me".write(toFile: destination, atomically: false, encoding: .utf8)
            let error = #expect(throws: StoreError.self) { try Backup.copy(from: path, to: destination) }
            #expect(error?.message == "File exists: \(destination)")
            #expect(error.map { "\($0)" } == "File exists: \(destination)")
            #expect(try String(contentsOfFile: destination, encoding: .utf8) == "keep me")
        }
    }

    @Test func failedBackupLeavesNoFile() throws {
        try withTempDirectory { dir in
            let destination = dir + "/copy.db"
            #expect(throws: StoreError.self) { try Backup.copy(from: dir + "/missing.db", to: destination) }
            #expect(!FileManager.default.fileExists(atPath: destination))
        }
    }
}
