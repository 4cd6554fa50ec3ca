// swift-tools-version:6.0
import PackageDescription

// Release builds of the hot-path modules skip the runtime exclusivity checks (swift_beginAccess on every class
// property access showed up at ~5% of server CPU under load); debug builds and tests keep them.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "orchestrator",
    products: [
        .executable(name: "orchestrator", targets: ["orchestrator"]),
    ],
    targets: [
        // C system libraries and shims.
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        // Layers, bottom up.
        // The POSIX floor, once: sys()/SystemError, monotonic clock, thread start, ConditionLock, WorkPool, eventfd, dates.
        .target(name: "System", dependencies: ["CLinux"], path: "Sources/System", swiftSettings: hotPath),
        // Our JSON value, parser and writer; the logger and its background sink.
        .target(name: "JSON", path: "Sources/JSON", swiftSettings: hotPath),
        .target(name: "Log", dependencies: ["JSON", "System"], path: "Sources/Log"),
        // What the server and the outbound client share: byte classes, Status, ChunkedDecoder, HTTP date.
        .target(name: "HTTPCore", dependencies: ["System"], path: "Sources/HTTPCore", swiftSettings: hotPath),
        // The server: event loops, listener, connection, request decoder, response encoder, router. Bytes and sockets.
        .target(name: "HTTP", dependencies: ["CLinux", "System", "HTTPCore", "Log", "JSON"], path: "Sources/HTTP",
                swiftSettings: hotPath),
        // Outbound HTTP/1.1 + TLS: pool, deadlines, cancel tokens, gzip, redirects, SSE. Never imports the server.
        .target(name: "HTTPClient", dependencies: ["COpenSSL", "CZlib", "CLinux", "System", "HTTPCore"],
                path: "Sources/HTTPClient"),
        // SHA-256, HMAC, scrypt, AES-256-GCM, random ids over OpenSSL EVP.
        .target(name: "Crypto", dependencies: ["COpenSSL"], path: "Sources/Crypto"),
        // SQLite and nothing above it: Database, Statement, Row, Migrator, the group-commit Writer, Backup.
        .target(name: "Store", dependencies: ["CSQLite", "Log", "System"], path: "Sources/Store"),
        // The product, bottom up: Domain (rules, no I/O) → Services (own every SQL statement, never see a request)
        // → API (routes, request decoding, response encoding, the one AppError → Response mapping) → App (wiring).
        // Templates (`{{@node:Label.path}}`), the Condition language and redaction: pure functions over JSON.
        .target(name: "Expressions", dependencies: ["JSON"], path: "Sources/Expressions"),
        .target(name: "Domain", dependencies: ["JSON"], path: "Sources/Domain"),
        // Runs: readiness, step slots, retries, timeouts, cancellation; the Action and ExecutionSink protocols. No SQL,
        // no sockets: Services persist through the sink, Actions make the calls.
        .target(name: "Engine", dependencies: ["Domain", "Expressions", "System", "Log", "JSON"], path: "Sources/Engine"),
        // One folder per action or provider (HTTP Request, Condition, …), run by the engine.
        .target(name: "Actions", dependencies: ["Engine", "Expressions", "Domain", "HTTPClient", "JSON"], path: "Sources/Actions"),
        .target(name: "Services", dependencies: ["Domain", "Engine", "Expressions", "Store", "Crypto", "HTTPClient", "System", "CSQLite", "Log",
                                                 "JSON"],
                path: "Sources/Services"),
        .target(name: "API", dependencies: ["Services", "Engine", "Domain", "HTTP", "HTTPCore", "System", "Crypto", "Store", "Log", "JSON"],
                path: "Sources/API", swiftSettings: hotPath),
        .target(name: "App", dependencies: ["API", "Services", "Engine", "Actions", "Domain", "HTTP", "HTTPClient", "System", "Log",
                                            "JSON", "Store", "Crypto"],
                path: "Sources/App"),
        .executableTarget(name: "orchestrator", dependencies: ["App"], path: "Sources/orchestrator"),

        // One test target per module; EndToEndTests drive the server in process and as a spawned binary.
        .testTarget(name: "SystemTests", dependencies: ["System"], path: "Tests/SystemTests"),
        .testTarget(name: "HTTPCoreTests", dependencies: ["HTTPCore"], path: "Tests/HTTPCoreTests"),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "HTTPCore"], path: "Tests/HTTPTests"),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient"], path: "Tests/HTTPClientTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], path: "Tests/JSONTests"),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"], path: "Tests/CryptoTests"),
        .testTarget(name: "StoreTests", dependencies: ["Store", "CSQLite"], path: "Tests/StoreTests"),
        .testTarget(name: "ExpressionsTests", dependencies: ["Expressions", "JSON"], path: "Tests/ExpressionsTests"),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "JSON"], path: "Tests/DomainTests"),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Domain", "JSON"], path: "Tests/EngineTests"),
        .testTarget(name: "ActionsTests", dependencies: ["Actions", "Engine", "HTTPClient", "Domain", "JSON"],
                    path: "Tests/ActionsTests"),
        .testTarget(name: "ServicesTests", dependencies: ["Services", "Domain", "Store", "JSON"], path: "Tests/ServicesTests"),
        .testTarget(name: "EndToEndTests", dependencies: ["App", "Domain", "HTTP", "HTTPCore", "JSON", "Store", "Crypto"],
                    path: "Tests/EndToEndTests"),
    ],
    swiftLanguageModes: [.v6]
)
