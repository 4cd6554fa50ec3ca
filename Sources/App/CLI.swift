// The command line: `orchestrator [serve|migrate|version|...] [flags]`. Exit codes: 0 success, 1 failure, 2 usage.
import CLinux
import Dispatch
import Domain
import HTTP
import System
import Log
import Services
import Store
#if canImport(Glibc)
import Glibc
import System
#endif

public enum CLI {
    static let usage = """
    Usage: orchestrator <command> [options]

    Commands:
      serve [--port N] [--host H] [--data-dir D] [--db F] [--public-url U] [--max-connections N]
            [--max-body-bytes N] [--max-webhook-body-bytes N] [--workers N] [--log-level L] [--log-format F]
                        run the server (the default command)
      migrate [--data-dir D] [--db F]
                        apply pending migrations
      user create --email E --name N [--password P | --provider github|google] [--data-dir D] [--db F]
                        create a user (password read from stdin when neither option is given)
      apikey create --email E [--name N] [--data-dir D] [--db F]
                        create an API key and print it once
      backup <file> [--data-dir D] [--db F]
                        copy the live database to <file> (which must not exist)
      version           print the version
    """

    /// Runs the command in `args` (without the program name) and returns the exit code.
    public static func run(_ args: [String], environment: [String: String]) -> Int32 {
        var args = args
        let command = args.first.flatMap { $0.hasPrefix("-") ? nil : $0 } ?? "serve"
        if !args.isEmpty && !args[0].hasPrefix("-") { args.removeFirst() }
        if args.contains("--help") || args.contains("-h") || command == "help" {
            print(usage)
            return 0
        }
        do {
            switch command {
            case "version":
                print(AppVersion.current)
                return 0
            case "serve":
                let (config, rest) = try AppConfig.load(flags: args, environment: environment)
                guard rest.isEmpty else { throw UsageError("unexpected argument \(rest[0])") }
                return serve(config)
            case "migrate":
                let (config, rest) = try AppConfig.load(flags: args, environment: environment)
                guard rest.isEmpty else { throw UsageError("unexpected argument \(rest[0])") }
                return try migrate(config)
            case "user", "apikey":
                guard args.first == "create" else { throw UsageError("\(command) needs the subcommand create") }
                let (config, rest, options) = try AppConfig.load(flags: Array(args.dropFirst()), environment: environment,
                                                                 extra: ["email", "name", "password", "provider"])
                guard rest.isEmpty else { throw UsageError("unexpected argument \(rest[0])") }
                return command == "user" ? try AccountCommands.createUser(config, options)
                                         : try AccountCommands.createAPIKey(config, options)
            case "backup":
                let (config, rest) = try AppConfig.load(flags: args, environment: environment)
                guard rest.count == 1 else { throw UsageError("backup needs exactly one <file>") }
                return try backup(config, to: rest[0])
            default:
                throw UsageError("unknown command \(command)")
            }
        } catch let e as UsageError {
            printError("orchestrator: \(e.description)\n\n\(usage)")
            return 2
        } catch {
            printError("orchestrator: \(error)")
            return 1
        }
    }

    static func migrate(_ config: AppConfig) throws -> Int32 {
        if config.dbPath == nil { try Storage.makeDirectory(config.dataDir) }
        let db = try Database.open(path: config.databasePath)
        let applied = try Migrator.migrate(db)
        if applied.isEmpty {
            print("No pending migrations")
        } else {
            for name in applied { print(name) }
        }
        return 0
    }

    static func backup(_ config: AppConfig, to file: String) throws -> Int32 {
        guard access(config.databasePath, F_OK) == 0 else {
            printError("Database not found: \(config.databasePath)")
            return 1
        }
        do {
            try Backup.copy(from: config.databasePath, to: file)
        } catch let e as StoreError {
            printError(e.message)
            return 1
        }
        print("Backup written to \(file)")
        print("Integrations in it can only be restored with the same encryption key "
              + "(ORCHESTRATOR_ENCRYPTION_KEY, or \(config.dataDir)/encryption.key): keep a copy of the key with the backup.")
        return 0
    }

    static func serve(_ config: AppConfig) -> Int32 {
        // Block SIGTERM/SIGINT before any thread starts, so every thread inherits the mask and only sigwait sees them.
        _ = clinux_sigmask_block_term()
        let limit = raiseOpenFileLimit()
        let app: Application
        do {
            app = try Application(config: config)
            try app.start()
        } catch {
            printError("orchestrator: failed to start: \(error)")
            return 1
        }
        if limit > 0 && UInt64(config.server.maxConnections) + 64 > limit {
            app.logger.warn("open-file limit below max connections", ["limit": .int(Int(limit)), "max_connections": .int(config.server.maxConnections)])
        }
        let stop = DispatchSemaphore(value: 0)
        PosixThread.start(name: "signals", detached: true) {
            let first = clinux_sigwait_term()
            stop.signal()
            // A second signal exits at once; startup recovery handles whatever was running.
            let second = clinux_sigwait_term()
            _exit(128 + (second > 0 ? second : first))
        }
        stop.wait()
        app.shutdown()
        return 0
    }
}

/// Writes one line to stderr.
func printError(_ s: String) {
    let line = Array((s + "\n").utf8)
    line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
}
