// The umbrella module: `import SBI` gives library users the whole public API.
// Later stages (simulation, networks, estimators, inference, recipes) are
// re-exported here as they land.
@_exported import SBICore
