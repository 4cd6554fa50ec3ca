import Foundation
import Testing
import JSON
import Store
@testable import Domain
@testable import Services

@Suite struct IntegrationLoadTests {
    @Test func loadDecryptedReturnsConfigAndSecretsForTheOwnerOnly() throws {
        let path = NSTemporaryDirectory() + "int-load-\(UUID().uuidString).db"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try Database.open(path: path)
        try Migrator.migrate(db)
        for user in ["user_a", "user_b"] {
            try db.run("""
                INSERT INTO users (id, name, email, is_anonymous, provider_id, created_at, updated_at)
                VALUES (?, 'x', NULL, 1, 'anonymous', 0, 0)
                """, [.text(user)])
        }
        let integrations = Integrations(key: [UInt8](repeating: 7, count: 32), storage: nil)
        let config: JSON = ["url": "postgres://app:s3cret-pass@db.example/crm"]
        let row = IntegrationRow(id: IntegrationID("int_1"), userID: UserID("user_a"), name: "db", type: "database",
                                 sealedConfig: integrations.seal(config, id: IntegrationID("int_1")), createdAt: 0, updatedAt: 0)
        try Integrations.insert(row, db: db)

        let loaded = try #require(try integrations.loadDecrypted(id: IntegrationID("int_1"), userID: UserID("user_a"), db: db))
        #expect(loaded.config == config)
        #expect(loaded.secrets == ["postgres://app:s3cret-pass@db.example/crm", "s3cret-pass"])
        #expect(try integrations.loadDecrypted(id: IntegrationID("int_1"), userID: UserID("user_b"), db: db) == nil)
        #expect(try integrations.loadDecrypted(id: IntegrationID("int_404"), userID: UserID("user_a"), db: db) == nil)

        let otherKey = Integrations(key: [UInt8](repeating: 8, count: 32), storage: nil)
        #expect(throws: (any Error).self) { try otherKey.loadDecrypted(id: IntegrationID("int_1"), userID: UserID("user_a"), db: db) }
    }
}
