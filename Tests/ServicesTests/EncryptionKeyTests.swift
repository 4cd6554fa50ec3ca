// The encryption key file (SPEC §8): created whole or not at all; a crash between write and link leaves the old state.
import Foundation
import Testing
@testable import Services

@Suite struct EncryptionKeyTests {
    func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "key-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aCrashBeforeTheLinkLeavesNoKeyFileAndTheNextStartMakesAWholeOne() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/encryption.key"
        _ = try EncryptionKey.load(environment: [:], dataDir: dir, logger: nil, crashBeforeLink: true)
        #expect(!FileManager.default.fileExists(atPath: path))   // the old state: absent, never empty
        let key = try EncryptionKey.load(environment: [:], dataDir: dir, logger: nil)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.count == 65 && key.count == 32)
        #expect(try EncryptionKey.load(environment: [:], dataDir: dir, logger: nil) == key)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aCrashAfterAKeyExistsKeepsTheOldKey() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try EncryptionKey.load(environment: [:], dataDir: dir, logger: nil)
        // A leftover temporary file from an interrupted creation changes nothing.
        _ = try EncryptionKey.create(dir + "/encryption.key", holding: Array("partial".utf8), dataDir: dir, crashBeforeLink: true)
        #expect(try EncryptionKey.load(environment: [:], dataDir: dir, logger: nil) == key)
    }

    @Test func anEmptyKeyFileStopsStartupInsteadOfMakingANewKey() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/encryption.key", contents: Data())
        #expect(throws: StartupError.self) { try EncryptionKey.load(environment: [:], dataDir: dir, logger: nil) }
    }
}
