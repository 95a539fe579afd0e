// The umbrella module: `import SBI` gives library users the whole public API.
// Recipes are re-exported here when they land.
@_exported import SBICore
@_exported import SBISimulation
@_exported import SBINetworks
@_exported import SBIEstimators
@_exported import SBIInference
