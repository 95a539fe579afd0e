#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

AllocatorSettings.apply()
var console = Console()
exit(SBIMain.run(Array(CommandLine.arguments.dropFirst()), console: &console))
