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
        .target(name: "Log", dependencies: ["JSON"], path: "Sources/Log"),
        .target(name: "JSON", path: "Sources/JSON", swiftSettings: hotPath),
        .target(name: "HTTP", dependencies: ["CLinux", "Log", "JSON"], path: "Sources/HTTP",
                swiftSettings: hotPath),
        .target(name: "HTTPClient", dependencies: ["COpenSSL", "CZlib", "CLinux", "HTTP"], path: "Sources/HTTPClient"),
        .target(name: "Crypto", dependencies: ["COpenSSL"], path: "Sources/Crypto"),
        .target(name: "Store", dependencies: ["CSQLite", "Log"], path: "Sources/Store"),
        // The product, bottom up: Domain (rules, no I/O) → Services (own every SQL statement, never see a request)
        // → API (routes, request decoding, response encoding, the one AppError → Response mapping) → App (wiring).
        .target(name: "Domain", dependencies: ["JSON"], path: "Sources/Domain"),
        .target(name: "Services", dependencies: ["Domain", "Store", "Crypto", "HTTPClient", "CSQLite", "Log", "JSON"],
                path: "Sources/Services"),
        .target(name: "API", dependencies: ["Services", "Domain", "HTTP", "Crypto", "Store", "Log", "JSON"], path: "Sources/API",
                swiftSettings: hotPath),
        .target(name: "App", dependencies: ["API", "Services", "Domain", "HTTP", "HTTPClient", "Log", "JSON", "Store", "Crypto"],
                path: "Sources/App"),
        .executableTarget(name: "orchestrator", dependencies: ["App"], path: "Sources/orchestrator"),

        .testTarget(name: "HTTPTests", dependencies: ["HTTP"], path: "Tests/HTTPTests"),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient"], path: "Tests/HTTPClientTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], path: "Tests/JSONTests"),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"], path: "Tests/CryptoTests"),
        .testTarget(name: "StoreTests", dependencies: ["Store", "CSQLite"], path: "Tests/StoreTests"),
        .testTarget(name: "EndToEndTests", dependencies: ["App", "Domain", "HTTP", "JSON", "Store", "Crypto"], path: "Tests/EndToEndTests"),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "JSON"], path: "Tests/DomainTests"),
        .testTarget(name: "ServicesTests", dependencies: ["Services", "Domain", "Store", "JSON"], path: "Tests/ServicesTests"),
    ],
    swiftLanguageModes: [.v6]
)
