// swift-tools-version:6.0
// A package of your own that uses the SBI library: sbi cloned next to it as ../sbi.
import PackageDescription

let package = Package(
    name: "eft-study",
    dependencies: [
        .package(path: "../sbi"),
    ],
    targets: [
        .executableTarget(name: "eft-study", dependencies: [.product(name: "SBI", package: "sbi")]),
    ]
)
