// Tests of SBINetworks; see the test files in this folder.
