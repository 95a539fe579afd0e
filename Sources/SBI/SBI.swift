// The umbrella module: `import SBI` gives library users the whole public API.
@_exported import SBICore
@_exported import SBISimulation
@_exported import SBIEvents
@_exported import SBINetworks
@_exported import SBIEstimators
@_exported import SBIInference
@_exported import SBIReport
@_exported import SBIRecipes
@_exported import SBIExecution
