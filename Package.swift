// swift-tools-version:6.0
import PackageDescription

// Layers point down only: Postgres and Archive know nothing of each other; Engine joins them.
// See docs/ARCHITECTURE.md (and ../shared/ARCHITECTURE.md) for the rules behind this list.
let package = Package(
    name: "arkiv",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "arkiv", targets: ["arkiv"]),
        .executable(name: "arkiv-backup", targets: ["arkiv-backup"]),
        .executable(name: "arkiv-restore", targets: ["arkiv-restore"]),
        .executable(name: "arkiv-verify", targets: ["arkiv-verify"]),
        .executable(name: "arkiv-drill", targets: ["arkiv-drill"]),
        .executable(name: "arkiv-prune", targets: ["arkiv-prune"]),
        .library(name: "ArkivPostgres", targets: ["ArkivPostgres"]),
        .library(name: "ArkivArchive", targets: ["ArkivArchive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages, wrapped once.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // HTTP, TLS and AWS Signature V4 for object storage (docs/ARCHITECTURE.md).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        .target(
            name: "ArkivPostgres",
            dependencies: ["CLibPQ", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "ArkivCatalog", dependencies: ["ArkivPostgres"]),
        .target(
            name: "ArkivArchive",
            dependencies: ["CZstd", "CZlib", "COpenSSL"]
        ),
        .target(name: "ArkivRepository", dependencies: ["ArkivArchive", "CCurl"]),
        .target(
            name: "ArkivEngine",
            dependencies: [
                "ArkivPostgres", "ArkivCatalog", "ArkivArchive", "ArkivRepository",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "ArkivCLI",
            dependencies: [
                "ArkivPostgres",
                "ArkivArchive",
                "ArkivRepository",
                "ArkivEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "arkiv", dependencies: ["ArkivCLI"]),
        .executableTarget(name: "arkiv-backup", dependencies: ["ArkivCLI"]),
        .executableTarget(name: "arkiv-restore", dependencies: ["ArkivCLI"]),
        .executableTarget(name: "arkiv-verify", dependencies: ["ArkivCLI"]),
        .executableTarget(name: "arkiv-drill", dependencies: ["ArkivCLI"]),
        .executableTarget(name: "arkiv-prune", dependencies: ["ArkivCLI"]),
        // Micro-benchmarks of the archive paths, driven by scripts/bench (release builds only).
        .executableTarget(name: "arkiv-bench", dependencies: ["ArkivArchive"]),

        // Shared by the database tests: where the test servers are, scratch databases.
        .target(name: "ArkivTestSupport", dependencies: ["ArkivPostgres"], path: "Tests/ArkivTestSupport"),
        .testTarget(name: "ArkivPostgresTests", dependencies: ["ArkivPostgres", "ArkivTestSupport"]),
        .testTarget(name: "ArkivCatalogTests", dependencies: ["ArkivCatalog", "ArkivTestSupport"]),
        .testTarget(name: "ArkivArchiveTests", dependencies: ["ArkivArchive"]),
        .testTarget(name: "ArkivRepositoryTests", dependencies: ["ArkivRepository", "ArkivArchive"]),
        .testTarget(name: "ArkivEngineTests", dependencies: ["ArkivEngine", "ArkivArchive", "ArkivRepository", "ArkivTestSupport"]),
        .testTarget(name: "ArkivCLITests", dependencies: ["ArkivCLI", "ArkivArchive", "ArkivRepository", "ArkivTestSupport"]),
    ]
)

// The libFuzzer target (Fuzz/arkiv-fuzz) exists only for scripts/fuzz, which sets ARKIV_FUZZ=1
// and builds it with -sanitize=fuzzer in its own scratch path: ordinary builds never see it.
if Context.environment["ARKIV_FUZZ"] == "1" {
    package.targets.append(.executableTarget(name: "arkiv-fuzz", dependencies: ["ArkivArchive", "ArkivEngine"], path: "Fuzz/arkiv-fuzz"))
}
