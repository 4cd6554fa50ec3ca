// CLI commands that create accounts and keys directly in the database (SPEC §14): `user create`, `apikey create`.
// Run on the main thread with the group-commit writer, while `serve` may be running on the same file.
import API
import Crypto
import Domain
import JSON
import Log
import Services
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
        do { name = try Accounts.validateName(rawName) } catch { printError(error.message); return 1 }
        var provider = "credential"
        var hash: String? = nil
        if let p = o["provider"] {
            guard p == "github" || p == "google" else { throw UsageError("--provider must be github or google") }
            guard o["password"] == nil else { throw UsageError("--password and --provider exclude each other") }
            provider = p
        } else {
            let password = o["password"] ?? readLine(strippingNewline: true) ?? ""
            do { try Accounts.validatePassword(password) } catch { printError(error.message); return 1 }
            hash = try PasswordHash.hash(password)
        }
        let services = try AccountCommands.services(config)
        defer { services.storage.close() }
        do {
            let user = try services.accounts.createUser(email: email, name: name, passwordHash: hash, provider: provider)
            print(String(decoding: user.json, as: UTF8.self))
            return 0
        } catch let e as AppError {
            printError(e.message)
            return 1
        }
    }

    /// `apikey create --email E [--name N]`: prints the create response once.
    static func createAPIKey(_ config: AppConfig, _ o: [String: String]) throws -> Int32 {
        guard let rawEmail = o["email"] else { throw UsageError("apikey create needs --email") }
        let email = rawEmail.trimmed.lowercased()
        if let n = o["name"], n.scalarCount > 200 { printError("Name must be at most 200 characters"); return 1 }
        let services = try AccountCommands.services(config)
        defer { services.storage.close() }
        guard let user = try services.accounts.user(email: email) else {
            printError("User not found")
            return 1
        }
        guard !user.isAnonymous else { printError("Anonymous users cannot create API keys"); return 1 }
        let created = try services.apiKeys.createNow(owner: user, name: o["name"])
        print(String(decoding: created.json, as: UTF8.self))
        return 0
    }

    /// The account services over the configured database (created and migrated when needed), without a server.
    static func services(_ config: AppConfig) throws -> (storage: Storage, accounts: Accounts, apiKeys: APIKeys) {
        let storage = try Storage(path: config.databasePath, loops: 1, logger: nil,
                                  makeDirectory: config.dbPath == nil ? config.dataDir : nil)
        let clock = config.clock
        let accounts = Accounts(storage: storage, clock: clock, logger: nil, hashing: { $0() }, allowSignUp: true,
                                allowAnonymous: false, maxFailures: config.signInMaxFailures, windowMs: config.signInWindowMs)
        return (storage, accounts, APIKeys(storage: storage, clock: clock, logger: nil))
    }
}
