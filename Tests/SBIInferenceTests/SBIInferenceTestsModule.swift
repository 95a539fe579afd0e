// Tests of SBIInference; see the test files in this folder.
