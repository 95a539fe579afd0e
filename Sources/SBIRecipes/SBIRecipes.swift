// SBIRecipes: the YAML recipe model, its validation and the staged `sbi fit` pipeline
// (design.md §2, §8). Types live one per file in this folder.
import SBIInference
