// Setu benchmarks: `swift run -c release setu-bench [store] [hub]`.
//
// Prints the figures the README records. Each figure is measured on real
// SQLite files in a fresh temporary directory (and, for `hub`, on the
// PostgreSQL of SETU_TEST_POSTGRES_URL when set: use scripts/with-postgres).
import Foundation

let suites = CommandLine.arguments.dropFirst()
let wanted = suites.isEmpty ? ["store", "hub"] : Array(suites)
let records = ProcessInfo.processInfo.environment["SETU_BENCH_RECORDS"].flatMap(Int.init) ?? 100_000
print("setu-bench on \(MachineInfo.describe())")
for suite in wanted {
    switch suite {
    case "store": try StoreBenchmark(records: records).run()
    case "hub": try await HubBenchmark(records: records).run()
    default:
        print("unknown suite \(suite); the suites are: store, hub")
        exit(2)
    }
}
print("peak RSS: \(MachineInfo.peakRSSMegabytes()) MB")
