// The command line: `orchestrator [serve|migrate|user|apikey|backup|version] [flags]`. Exit codes: 0 success,
// 1 failure, 2 usage. Every error is one line on stderr starting `orchestrator: `. Runs on the main thread.
import CLinux
import Dispatch
import Domain
import HTTP
import Log
import Services
import Store
import System
#if canImport(Glibc)
import Glibc
#endif

public enum CLI {
    static let usage = """
    Usage: orchestrator <command> [options]

    Commands:
      serve [--port N] [--host H] [--data-dir D] [--db F] [--public-url U] [--max-connections N]
            [--max-body-bytes N] [--max-webhook-body-bytes N] [--log-level L] [--log-format F]
                        run the server (the default command)
      migrate [--data-dir D] [--db F]
                        apply pending migrations
      user create --email E --name N [--password P | --provider github|google] [--data-dir D] [--db F]
                        create a user (the password is prompted for, or read from stdin, when not given)
      user password --email E [--password P] [--data-dir D] [--db F]
                        set a user's password, sign it out everywhere and clear its sign-in lock-outs
      apikey create --email E [--name N] [--data-dir D] [--db F]
                        create an API key and print it once
      backup <file> [--data-dir D] [--db F]
                        copy the live database to <file> (which must not exist)
      version           print the version

    Options anywhere: --help, -h (this text), --version, -V. Every option also has an ORCHESTRATOR_* environment
    variable (README "Configuration"); options win.
    """

    /// Runs the command in `args` (without the program name) and returns the exit code.
    public static func run(_ args: [String], environment: [String: String]) -> Int32 {
        if args.contains("--help") || args.contains("-h") || args.first == "help" {
            print(usage)
            return 0
        }
        if args.contains("--version") || args.contains("-V") {
            print(AppVersion.current)
            return 0
        }
        var args = args
        let command = args.first.flatMap { $0.hasPrefix("-") ? nil : $0 } ?? "serve"
        if !args.isEmpty && !args[0].hasPrefix("-") { args.removeFirst() }
        do {
            switch command {
            case "version":
                guard args.isEmpty else { throw UsageError("unexpected argument \(args[0])") }
                print(AppVersion.current)
                return 0
            case "serve":
                return serve(try config(args, environment))
            case "migrate":
                return try migrate(try config(args, environment))
            case "user":
                let sub = args.first ?? ""
                guard sub == "create" || sub == "password" else {
                    throw UsageError("user needs the subcommand create or password")
                }
                let (config, rest, options) = try AppConfig.load(flags: Array(args.dropFirst()), environment: environment,
                                                                 extra: sub == "create" ? ["email", "name", "password", "provider"]
                                                                                        : ["email", "password"])
                guard rest.isEmpty else { throw UsageError("unexpected argument \(rest[0])") }
                return sub == "create" ? try AccountCommands.createUser(config, options)
                                       : try AccountCommands.setPassword(config, options)
            case "apikey":
                guard args.first == "create" else { throw UsageError("apikey needs the subcommand create") }
                let (config, rest, options) = try AppConfig.load(flags: Array(args.dropFirst()), environment: environment,
                                                                 extra: ["email", "name"])
                guard rest.isEmpty else { throw UsageError("unexpected argument \(rest[0])") }
                return try AccountCommands.createAPIKey(config, options)
            case "backup":
                let (config, rest) = try AppConfig.load(flags: args, environment: environment)
                guard rest.count == 1 else { throw UsageError("backup needs exactly one <file>") }
                return try backup(config, to: rest[0])
            default:
                throw UsageError("unknown command \(command)")
            }
        } catch let e as UsageError {
            printError(e.description)
            printError("Run 'orchestrator --help' for usage.", prefixed: false)
            return 2
        } catch {
            printError(CLI.sentence(error))
            return 1
        }
    }

    /// The configuration of a command that takes only the common options.
    static func config(_ args: [String], _ environment: [String: String]) throws(UsageError) -> AppConfig {
        let (config, rest) = try AppConfig.load(flags: args, environment: environment)
        guard rest.isEmpty else { throw UsageError("unexpected argument \(rest[0])") }
        return config
    }

    /// One plain sentence for an error: the message of the errors we make, the description of the others.
    static func sentence(_ error: any Error) -> String {
        switch error {
        case let e as AppError: e.description
        case let e as StoreError: e.message
        default: String(describing: error)
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
        // Blocks of 1 MiB and more (large graphs and their responses) get their own mappings, returned to the system
        // when freed: glibc would otherwise raise this threshold as such blocks come and go and keep them in its heaps,
        // so memory would not fall back after a burst.
        _ = clinux_set_mmap_threshold(1 << 20)
        let limit = raiseOpenFileLimit()
        let app: Application
        do {
            app = try Application(config: config, exclusive: true)
            try app.start()
        } catch {
            printError(Startup.sentence(error, config: config))
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

/// Writes one line to stderr, `orchestrator: ` first unless `prefixed` is false.
func printError(_ s: String, prefixed: Bool = true, newline: Bool = true) {
    let line = Array(((prefixed ? "orchestrator: " : "") + s + (newline ? "\n" : "")).utf8)
    line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
}
