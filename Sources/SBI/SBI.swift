// The umbrella module: `import SBI` gives library users the whole public API.
// Later stages (estimators, inference, recipes) are re-exported here as they land.
@_exported import SBICore
@_exported import SBISimulation
@_exported import SBINetworks
