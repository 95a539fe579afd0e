// SBIInference: likelihood scans on parameter grids, Fisher information, exclusion
// contours and result files (design.md §5, §6). Types live one per file in this folder.
import SBIEstimators
