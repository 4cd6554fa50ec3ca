// CLI commands that create accounts and keys directly in the database (SPEC §14): `user create`, `apikey create`.
// Run on the main thread with the group-commit writer, while `serve` may be running on the same file.
import Crypto
import JSON
import Log
import Store
#if canImport(Glibc)
import Glibc
#endif

enum AccountCommands {
    /// `user create --email E --name N [--password P | --provider github|google]`; password from stdin otherwise.
    static func createUser(_ config: AppConfig, _ o: [String: String]) throws -> Int32 {
        guard let rawEmail = o["email"], let rawName = o["name"] else { throw UsageError("user create needs --email and --name") }
        guard let email = Accounts.normalizeEmail(rawEmail) else { printError("Invalid email"); return 1 }
        let name: String
        do { name = try Accounts.validateName(rawName) } catch let e as APIError { printError(e.message); return 1 }
        var provider = "credential"
        var hash: String? = nil
        if let p = o["provider"] {
            guard p == "github" || p == "google" else { throw UsageError("--provider must be github or google") }
            guard o["password"] == nil else { throw UsageError("--password and --provider exclude each other") }
            provider = p
        } else {
            let password = o["password"] ?? readLine(strippingNewline: true) ?? ""
            guard password.scalarCount >= 8 else { printError("Password must be at least 8 characters"); return 1 }
            guard password.scalarCount <= 128 else { printError("Password must be at most 128 characters"); return 1 }
            hash = PasswordHash.hash(password)
        }
        let storage = try Storage(path: config.databasePath, loops: 1, logger: nil, makeDirectory: config.dbPath == nil ? config.dataDir : nil)
        defer { storage.close() }
        let now = config.clock()
        let user = User(id: RandomID.make(prefix: "user_"), name: name, email: email, image: nil, isAnonymous: false,
                        providerId: provider, createdAt: now)
        let passwordHash = hash
        do {
            try storage.writer.sync { db in try Accounts.insertUser(user, passwordHash: passwordHash, now: now, db: db) }
        } catch let e as APIError {
            printError(e.message)
            return 1
        }
        print(String(decoding: user.json, as: UTF8.self))
        return 0
    }

    /// `apikey create --email E [--name N]`: prints the create response once.
    static func createAPIKey(_ config: AppConfig, _ o: [String: String]) throws -> Int32 {
        guard let rawEmail = o["email"] else { throw UsageError("apikey create needs --email") }
        let email = rawEmail.trimmed.lowercased()
        if let n = o["name"], n.scalarCount > 200 { printError("Name must be at most 200 characters"); return 1 }
        let storage = try Storage(path: config.databasePath, loops: 1, logger: nil, makeDirectory: config.dbPath == nil ? config.dataDir : nil)
        defer { storage.close() }
        guard let (user, _) = try storage.read({ db in try Accounts.userWithPassword(email: email, db: db) }) else {
            printError("User not found")
            return 1
        }
        guard !user.isAnonymous else { printError("Anonymous users cannot create API keys"); return 1 }
        let (key, hash, prefix) = APIKeys.generate()
        let id = RandomID.make(prefix: "key_")
        let now = config.clock()
        let name = o["name"]
        try storage.writer.sync { db in
            try APIKeys.insert(id: id, userID: user.id, name: name, hash: hash, prefix: prefix, now: now, db: db)
        }
        let created: JSON = ["id": .string(id), "name": name.map { .string($0) } ?? .null, "key": .string(key),
                             "keyPrefix": .string(prefix), "createdAt": .string(ISO8601.format(milliseconds: now))]
        print(created.text)
        return 0
    }
}
