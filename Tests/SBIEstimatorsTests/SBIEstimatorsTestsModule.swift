// Tests of SBIEstimators; see the test files in this folder.
