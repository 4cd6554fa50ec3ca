// Entry point: hands the arguments and environment to the CLI and exits with its code.
import App
#if canImport(Glibc)
import Glibc
#endif

var environment: [String: String] = [:]
var envp = environ
while let entry = envp.pointee {
    let s = String(cString: entry)
    if let eq = s.firstIndex(of: "=") { environment[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
    envp += 1
}
exit(CLI.run(Array(CommandLine.arguments.dropFirst()), environment: environment))
