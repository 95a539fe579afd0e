// SBIEvents: reading real event files (MadGraph LHE, plain or gzip) and computing
// observables from them. Depends only on SBICore. Types live one per file here.
import SBICore
