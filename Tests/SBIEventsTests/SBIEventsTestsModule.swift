// Tests of SBIEvents; see the test files in this folder.
