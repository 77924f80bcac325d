// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "subsidysim",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "subsidysim", targets: ["subsidysim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
        // Tests only: isApproximatelyEqual(to:absoluteTolerance:relativeTolerance:) (RealModule).
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // GNU Scientific Library, found by pkg-config; the header adds a counter-based
        // generator (Philox4x32-10) as a gsl_rng_type and shims for GSL's global tables.
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        // libxlsxwriter, found by pkg-config: 结果.xlsx (sheets, number formats, a native chart).
        // Imported by SubsidyReport only, and internally, so no C type is in its public API.
        .systemLibrary(
            name: "CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        // The trial loop's vectorised per-firm passes (Philox4x32-10 for many firms at once, quantile
        // table look-ups, segments): a real C target, so it is compiled with -O3 and with one variant
        // per instruction set (scalar, AVX2, AVX-512F by target attributes, chosen at run time);
        // header-only code in CGSL was not vectorised. No FMA contraction: the same bits as Swift.
        .target(
            name: "CKernel",
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]
        ),
        // GSL's beta CDF recomputes ln B(a, b) at every call: this target defines gsl_sf_lnbeta,
        // which GSL's own calls bind to (ELF interposition), as a per-thread memo of GSL's value
        // (gsl_sf_lnbeta_e). The same bits; the quantile tables cost half. Linked into every
        // executable that uses the engine; see include/gslmemo.h.
        .target(
            name: "CGSLMemo",
            dependencies: ["CGSL"],
            cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]
        ),
        // Scenario, policy, rules and validation. Pure Swift: imports no C.
        .target(
            name: "SubsidyModel",
            dependencies: [.product(name: "Yams", package: "Yams")],
            resources: [.embedInCode("Resources/pingluo-draft.yaml")]
        ),
        // Random streams, distributions, trial loop, statistics, sensitivity. The only importer of CGSL,
        // which it imports internally: every import is internal unless it says `public` (Swift 6
        // access-level imports), so no GSL type can appear in SubsidyEngine's public API.
        .target(
            name: "SubsidyEngine",
            dependencies: ["CGSL", "CGSLMemo", "CKernel", "SubsidyModel"],
            swiftSettings: [.enableUpcomingFeature("InternalImportsByDefault")]
        ),
        // CSV, gnuplot scripts, summary.md, 报告.docx (through pandoc), 结果.xlsx, manifest, atomic output folders.
        .target(
            name: "SubsidyReport",
            dependencies: ["SubsidyModel", "SubsidyEngine", "CXlsxWriter"],
            // pandoc's style sheet for 报告.docx, built by scripts/make-reference-docx.
            resources: [.embedInCode("Resources/reference.docx")]
        ),
        .executableTarget(
            name: "subsidysim",
            dependencies: [
                "SubsidyModel", "SubsidyEngine", "SubsidyReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make bench`: release-mode throughput benchmark, apart from the tests.
        .executableTarget(
            name: "subsidysim-bench",
            dependencies: ["SubsidyModel", "SubsidyEngine", "SubsidyReport"]
        ),
        .testTarget(
            name: "SubsidyModelTests",
            // SubsidyEngine: every per-firm rule case also runs through the trial kernel.
            dependencies: ["SubsidyModel", "SubsidyEngine", .product(name: "RealModule", package: "swift-numerics")],
            resources: [.copy("Rules"), .copy("BadScenarios")]
        ),
        .testTarget(
            name: "SubsidyEngineTests",
            dependencies: [
                "SubsidyEngine", "SubsidyModel",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // The real commands, run as the built binary (exit codes, messages, what-if cases).
        .testTarget(
            name: "SubsidyCLITests",
            dependencies: ["subsidysim", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .testTarget(
            name: "SubsidyReportTests",
            dependencies: ["SubsidyReport", "SubsidyEngine", "SubsidyModel"],
            exclude: ["Golden"]   // read from the source tree by GoldenTests (#filePath), so they can be regenerated
        ),
    ]
)
