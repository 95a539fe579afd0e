// Tests of SBIRecipes; see the test files in this folder.
