// Setu benchmarks: `scripts/bench [store] [hub] [daemon] [fleet] [bundle] [metadata] [churn] [load]` (a release build of
// every product: the daemon suite runs the real setu-hub and setud).
//
// Prints the figures the README records. Each figure is measured on real
// SQLite files in a fresh temporary directory (and, for `hub`, on the
// PostgreSQL of SETU_TEST_POSTGRES_URL when set: use scripts/with-postgres).
import Foundation
import SetuStore

// As setud does: both the replica and the raw insert baseline run with it.
SQLiteLibrary.configureForThisProcess()
let suites = CommandLine.arguments.dropFirst()
let wanted = suites.isEmpty ? ["store", "hub", "daemon", "fleet", "bundle", "metadata", "churn", "load"] : Array(suites)
let records = ProcessInfo.processInfo.environment["SETU_BENCH_RECORDS"].flatMap(Int.init) ?? 100_000
print("setu-bench on \(MachineInfo.describe())")
for suite in wanted {
    switch suite {
    case "store": try StoreBenchmark(records: records).run()
    case "hub": try await HubBenchmark(records: records).run()
    case "daemon": try await DaemonBenchmark(records: records).run()
    case "fleet": try await FleetBenchmark(records: records).run()
    case "bundle": try await BundleBenchmark(records: records).run()
    case "metadata": try await MetadataBenchmark(records: records / 5).run()
    case "churn": try await ChurnBenchmark(records: records).run()
    case "load": try await LoadBenchmark().run()
    default:
        print("unknown suite \(suite); the suites are: store, hub, daemon, fleet, bundle, metadata, churn, load")
        exit(2)
    }
}
print("peak RSS: \(MachineInfo.peakRSSMegabytes()) MB")
