import Logging

extension ConfigFile {
    /// The `[log]` section both the hub and setud read: `level`, by default
    /// `info`; anything else in the section is refused like any unknown key.
    public func logLevel() throws -> Logger.Level {
        let log = try section("log")
        let text = try log.string("level") ?? "info"
        guard let level = Logger.Level(rawValue: text) else {
            throw log.error("level", "unknown level \(text)", fix: "use trace, debug, info, notice, warning, error or critical")
        }
        try log.checkNoUnknownKeys()
        return level
    }
}
