// swift-tools-version:6.0
import PackageDescription

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
        .target(name: "JSON", path: "Sources/JSON"),
        .target(name: "HTTP", dependencies: ["CLinux", "Log", "JSON"], path: "Sources/HTTP"),
        .target(name: "HTTPClient", dependencies: ["COpenSSL", "CZlib", "CLinux", "HTTP"], path: "Sources/HTTPClient"),
        .target(name: "Crypto", dependencies: ["COpenSSL"], path: "Sources/Crypto"),
        .target(name: "Store", dependencies: ["CSQLite", "Log"], path: "Sources/Store"),
        .target(name: "App", dependencies: ["HTTP", "HTTPClient", "Log", "JSON", "Store", "Crypto"], path: "Sources/App"),
        .executableTarget(name: "orchestrator", dependencies: ["App"], path: "Sources/orchestrator"),

        .testTarget(name: "HTTPTests", dependencies: ["HTTP"], path: "Tests/HTTPTests"),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient"], path: "Tests/HTTPClientTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], path: "Tests/JSONTests"),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"], path: "Tests/CryptoTests"),
        .testTarget(name: "StoreTests", dependencies: ["Store", "CSQLite"], path: "Tests/StoreTests"),
        .testTarget(name: "EndToEndTests", dependencies: ["App", "HTTP", "JSON", "Store", "Crypto"], path: "Tests/EndToEndTests"),
        .testTarget(name: "AppTests", dependencies: ["App", "JSON"], path: "Tests/AppTests"),
    ],
    swiftLanguageModes: [.v6]
)
