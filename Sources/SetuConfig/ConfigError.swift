/// A configuration problem, said the way an operator can fix it:
/// `hub.toml:12: limits.max_pull_records: must be 1…10000 (got 0); lower or raise it`.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let key: String
    public let problem: String
    public let fix: String

    public init(file: String, line: Int?, key: String, problem: String, fix: String) {
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
        self.fix = fix
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(problem); \(fix)" : "\(place): \(key): \(problem); \(fix)"
    }
}
