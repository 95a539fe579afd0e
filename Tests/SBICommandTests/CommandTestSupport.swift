// sbiExecutable, SBICommandTesting (run, temporaryFolder), makeTemporaryDirectory and runPython
// come from the shared test-support target.
@_exported import SBITestSupport
