// CLI commands that create accounts and keys directly in the database (SPEC §14): `user create`, `user password`,
// `apikey create`. Run on the main thread with the group-commit writer, while `serve` may be running on the same file.
import API
import Crypto
import Domain
import Services
import Store
#if canImport(Glibc)
import Glibc
#endif

enum AccountCommands {
    /// `user create --email E --name N [--password P | --provider github|google]`; password prompted or from stdin.
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
            guard let h = try passwordHash(o) else { return 1 }
            hash = h
        }
        let services = try AccountCommands.services(config)
        defer { services.storage.close() }
        let user = try services.accounts.createUser(email: email, name: name, passwordHash: hash, provider: provider)
        print(String(decoding: user.json, as: UTF8.self))
        return 0
    }

    /// `user password --email E [--password P]`: prints `Password updated`.
    static func setPassword(_ config: AppConfig, _ o: [String: String]) throws -> Int32 {
        guard let rawEmail = o["email"] else { throw UsageError("user password needs --email") }
        let email = rawEmail.trimmed.lowercased()
        guard let hash = try passwordHash(o) else { return 1 }
        let services = try AccountCommands.services(config)
        defer { services.storage.close() }
        try services.accounts.setPassword(email: email, passwordHash: hash)
        print("Password updated")
        return 0
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
        let created = try services.apiKeys.createNow(owner: user, name: o["name"])
        print(String(decoding: created.json, as: UTF8.self))
        return 0
    }

    /// The hash of `--password`, or of a password prompted for (echo off) on a terminal or read from stdin; nil (after
    /// printing why) when it breaks the length rule.
    static func passwordHash(_ o: [String: String]) throws -> String? {
        let password = o["password"] ?? Terminal.readSecret(prompt: "Password: ") ?? ""
        do { try Accounts.validatePassword(password) } catch { printError(error.message); return nil }
        return try PasswordHash.hash(password)
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

/// Reading a secret from the controlling terminal, or from stdin when it is not one.
enum Terminal {
    /// On a terminal: `prompt` on stderr, the line read with echo off. Otherwise one line of stdin, no prompt.
    static func readSecret(prompt: String) -> String? {
        guard isatty(0) == 1 else { return readLine(strippingNewline: true) }
        var saved = termios()
        guard tcgetattr(0, &saved) == 0 else { return readLine(strippingNewline: true) }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        // Echo off before the prompt shows, and without flushing: what is typed (or pasted) right after the prompt is
        // never discarded.
        _ = tcsetattr(0, TCSANOW, &quiet)
        printError(prompt, prefixed: false, newline: false)
        defer {
            _ = tcsetattr(0, TCSANOW, &saved)
            printError("", prefixed: false)   // the newline the user typed was not echoed
        }
        return readLine(strippingNewline: true)
    }
}
