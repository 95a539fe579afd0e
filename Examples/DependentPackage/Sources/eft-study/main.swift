import SBI

// The exact 68 % CL interval of θ from 100 Asimov events at θ_true = 0 of the built-in Gaussian
// simulator (x ~ N(θ, 5)); the answer is θ_true ± √(5/100) = ±0.224.
let simulator = GaussianSimulator()
let grid = try ParameterGrid(names: ["theta"], ranges: [-1...1], counts: [201])
let data = try ScanData.asimov(simulator: simulator, thetaTrue: [0], sampleEvents: 20_000, expectedEvents: 100,
                               random: SeededRandom(seed: 1))
let scan = try LikelihoodScan.truth(simulator: simulator, data: data, grid: grid)
for interval in try ConfidenceRegion.intervals(scan: scan, confidenceLevel: 0.68) {
    print("68% CL: [\(interval.lower), \(interval.upper)]")
}
