// Setu benchmarks: `swift run -c release setu-bench [store]`.
//
// Prints the figures the README records. Each figure is measured on real
// SQLite files in a fresh temporary directory, in one process run.
import Foundation

let suites = CommandLine.arguments.dropFirst()
let wanted = suites.isEmpty ? ["store"] : Array(suites)
print("setu-bench on \(MachineInfo.describe())")
for suite in wanted {
    switch suite {
    case "store": try StoreBenchmark(records: ProcessInfo.processInfo.environment["SETU_BENCH_RECORDS"].flatMap(Int.init) ?? 100_000).run()
    default:
        print("unknown suite \(suite); the suites are: store")
        exit(2)
    }
}
print("peak RSS: \(MachineInfo.peakRSSMegabytes()) MB")
