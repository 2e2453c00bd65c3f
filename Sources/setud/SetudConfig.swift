import Foundation
import Logging
import SetuBundle
import SetuConfig
import SetuCore
import SetuDaemon
import SetuSync
import SetuThreads
import SetuTransport

/// setud.toml, validated: every problem names the key, the line and the fix.
enum SetudConfig {
    static func load(_ path: String) throws -> (DaemonSettings, Logger.Level) {
        let file = try ConfigFile(path: path)
        let node = try file.section("node")
        guard let idText = try node.string("id") else {
            throw node.error("id", "missing", fix: "set id = \"…\" to the node id the hub operator registered (setu-hub node add)")
        }
        guard let id = NodeID(rawValue: idText) else {
            throw node.error("id", "invalid node id (got \(idText))", fix: "use 1–64 letters, digits, '.', '_', '-' or ':'")
        }
        let replica = try node.string("replica") ?? "/var/lib/setu/replica.sqlite"
        let signingKey = try node.string("signing_key")
        try node.checkNoUnknownKeys()

        let hub = try file.section("hub")
        guard let url = try hub.string("url") else { throw hub.error("url", "missing", fix: "set url = \"https://hub.example.gov.bd\"") }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw hub.error("url", "must start with https:// or http:// (got \(url))", fix: "write the hub's address, e.g. https://hub.example.gov.bd")
        }
        var options = CurlOptions(baseURL: url.hasSuffix("/") ? String(url.dropLast()) : url)
        options.threadNiceness = BackgroundWorker.niceness
        let token: String
        switch (try hub.string("token"), try hub.string("token_file")) {
        case (let t?, nil): token = t
        case (nil, let file?):
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw hub.error("token_file", "cannot read \(file)", fix: "check the path and that setud's user may read it")
            }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        case (nil, nil): throw hub.error("token", "missing", fix: "set token_file = \"/etc/setu/token\" (or token = \"…\") with the token from setu-hub node add")
        case (.some, .some): throw hub.error("token", "both token and token_file are set", fix: "keep one of them")
        }
        options.connectTimeoutSeconds = try hub.int("connect_timeout_seconds", range: 1...600) ?? options.connectTimeoutSeconds
        options.totalTimeoutSeconds = try hub.int("total_timeout_seconds", range: 5...3_600) ?? options.totalTimeoutSeconds
        options.lowSpeedBytesPerSecond = try hub.int("low_speed_bytes_per_second", range: 1...1_000_000) ?? options.lowSpeedBytesPerSecond
        options.lowSpeedSeconds = try hub.int("low_speed_seconds", range: 1...600) ?? options.lowSpeedSeconds
        options.proxy = try hub.string("proxy")
        options.proxyCredentials = try hub.string("proxy_credentials")
        options.caFile = try hub.string("ca_file")
        options.clientCertificate = try hub.string("client_certificate")
        options.clientKey = try hub.string("client_key")
        let hubKey = try hub.string("public_key")
        if let hubKey, PublicSigningKey(hubKey) == nil {
            throw hub.error("public_key", "not a public key (got \(hubKey))", fix: "paste what setu-hub key prints at the hub: \(PublicSigningKey.formatHint)")
        }
        options.insecureTestHost = try hub.string("insecure_test_host")
        if let insecure = options.insecureTestHost, insecure != options.host {
            throw hub.error("insecure_test_host", "names \(insecure), but hub.url's host is \(options.host ?? "?")",
                            fix: "name the test hub's host exactly, or remove the key (verification stays on)")
        }
        try hub.checkNoUnknownKeys()

        let sync = try file.section("sync")
        let interval = try sync.int("interval_seconds", range: 5...86_400) ?? 300
        let pageRecords = try sync.int("page_records", range: 1...1_000) ?? 500
        let pageBytes = try sync.int("page_bytes", range: 1_024...(4 << 20)) ?? (1 << 20)
        let growPages = try sync.bool("grow_pages") ?? true
        let base = try sync.int("backoff_base_seconds", range: 1...3_600) ?? 5
        let max = try sync.int("backoff_max_seconds", range: base...86_400) ?? 900
        try sync.checkNoUnknownKeys()

        let control = try file.section("control")
        let socket = try control.string("socket") ?? "/run/setu/setud.sock"
        try control.checkNoUnknownKeys()

        let level = try file.logLevel()
        try file.checkNoUnknownSections()
        return (DaemonSettings(node: id, replicaPath: replica, hub: options, token: token, syncIntervalSeconds: Double(interval),
                               pageRecords: pageRecords, pageBytes: pageBytes, growPages: growPages, backoff: Backoff(baseSeconds: Double(base), maxSeconds: Double(max)),
                               socketPath: socket, signingKeyPath: signingKey, hubPublicKey: hubKey), level)
    }
}
