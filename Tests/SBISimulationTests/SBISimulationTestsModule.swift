// Tests of SBISimulation; see the test files in this folder.
