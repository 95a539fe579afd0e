// swift-tools-version:6.0
// sbi: simulation-based inference for particle physics.
// No Swift package dependencies: C libraries only, as system-library targets.
import PackageDescription

let package = Package(
    name: "sbi",
    products: [
        .library(name: "SBI", targets: ["SBI"]),
        .executable(name: "sbi", targets: ["SBICommand"]),
    ],
    targets: [
        // C libraries. CGSL deliberately has no pkgConfig: `pkg-config --libs gsl`
        // adds -lgslcblas, whose cblas symbols are ~100x slower than OpenBLAS's.
        // Linking OpenBLAS directly puts it first in the symbol search order.
        .systemLibrary(name: "CGSL", path: "Sources/CGSL",
                       providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),

        .target(name: "SBICore", dependencies: ["CGSL", "COpenBLAS"]),
        .target(name: "SBISimulation", dependencies: ["SBICore", "CGSL"]),
        .target(name: "SBIEvents", dependencies: ["SBICore", "CZlib", "CHDF5"]),
        .target(name: "SBINetworks", dependencies: ["SBICore", "COpenBLAS"]),
        .target(name: "SBIEstimators", dependencies: ["SBICore", "SBINetworks"]),
        .target(name: "SBIInference", dependencies: ["SBICore", "SBISimulation", "SBIEstimators", "CGSL"]),
        // What a physicist reads: the result files, figures (SVG), the report page and HEPData.
        .target(name: "SBIReport", dependencies: ["SBICore", "SBINetworks", "SBIEstimators", "SBIInference", "CGSL", "CZlib"]),
        .target(name: "SBIRecipes", dependencies: ["SBICore", "SBIInference", "SBIReport", "SBISimulation", "SBIEvents", "CYAML"]),
        // Running a pipeline's shards: processes on this machine or Slurm job arrays.
        .target(name: "SBIExecution", dependencies: ["SBICore"]),
        .target(name: "SBI", dependencies: ["SBICore", "SBISimulation", "SBIEvents", "SBINetworks", "SBIEstimators", "SBIInference", "SBIReport", "SBIRecipes", "SBIExecution"]),
        .executableTarget(name: "SBICommand", dependencies: ["SBI"]),
        .executableTarget(name: "sbi-example-custom-simulator", dependencies: ["SBI"], path: "Examples/CustomSimulator"),

        // Helpers the test targets share (temporary folders, running sbi, the numpy cross-check).
        .target(name: "SBITestSupport", dependencies: ["CHDF5"], path: "Tests/SBITestSupport"),
        .testTarget(name: "SBICoreTests", dependencies: ["SBICore", "SBITestSupport"]),
        .testTarget(name: "SBISimulationTests", dependencies: ["SBISimulation"]),
        .testTarget(name: "SBIEventsTests", dependencies: ["SBIEvents", "SBISimulation", "CHDF5", "SBITestSupport"]),
        .testTarget(name: "SBINetworksTests", dependencies: ["SBINetworks"]),
        .testTarget(name: "SBIEstimatorsTests", dependencies: ["SBIEstimators", "SBISimulation"]),
        .testTarget(name: "SBIInferenceTests", dependencies: ["SBIInference"]),
        .testTarget(name: "SBIReportTests", dependencies: ["SBIReport", "SBITestSupport", "CZlib"]),
        .testTarget(name: "SBIRecipesTests", dependencies: ["SBIRecipes", "SBITestSupport"]),
        .testTarget(name: "SBIExecutionTests", dependencies: ["SBIExecution", "SBITestSupport"]),
        // The SBI library used from a package of one's own (Examples/DependentPackage, shown in the README).
        .testTarget(name: "SBITests", dependencies: ["SBITestSupport"]),
        .testTarget(name: "SBICommandTests", dependencies: ["SBICommand", "CHDF5", "SBITestSupport"]),
    ]
)
