import Foundation

enum MachineInfo {
    static func describe() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let mem = ProcessInfo.processInfo.physicalMemory / 1_073_741_824
        return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(mem) GiB"
    }

    /// ru_maxrss: the process's peak resident set, in MB.
    static func peakRSSMegabytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }

    /// CPU seconds (user + system) a process has used so far, from
    /// /proc/<pid>/stat (clock ticks of 1/100 s); this process when nil.
    static func cpuSeconds(pid: pid_t? = nil) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid.map(String.init) ?? "self")/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return .nan }
        // Fields after the command's closing parenthesis: state is 3, utime 14, stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func scratchDirectory() -> String {
        let path = "\(NSTemporaryDirectory())setu-bench-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Removes a scratch directory, unless SETU_BENCH_KEEP is set: then its
    /// files stay for inspection (`sqlite3 … 'SELECT … FROM dbstat'`).
    static func removeScratch(_ path: String) {
        if ProcessInfo.processInfo.environment["SETU_BENCH_KEEP"] != nil {
            print("kept the benchmark's files in \(path)")
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

/// Wall time of `body` in seconds.
func measure(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func rate(_ count: Int, _ seconds: Double) -> String {
    String(format: "%.0f/s (%d in %.2f s)", Double(count) / seconds, count, seconds)
}
