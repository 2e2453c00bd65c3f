import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real headless Chromium, driven over the W3C WebDriver protocol by
/// Debian's `chromedriver` (packages `chromium`, `chromium-driver`): the
/// dashboard test loads pages, fills forms and reads what a person would see.
public final class WebDriver: @unchecked Sendable {
    let driver: ChildProcess
    let port: Int
    let session: String
    let dir: URL

    /// The window size of a small laptop screen.
    public init(width: Int = 1366, height: Int = 768) async throws {
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw SupportError("\(tool) missing: run scripts/install-deps (it installs chromium and chromium-driver)")
        }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-chromium-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        port = LoopbackPort.free()
        let log = dir.appendingPathComponent("chromedriver.log").path
        driver = try ChildProcess("/usr/bin/chromedriver", ["--port=\(port)"], stdout: log, stderr: log)
        var ready = false
        var last = ""
        for _ in 0..<100 {
            do {
                let status = try await Self.call(port: port, "GET", "/status")
                if let flag = (status["value"] as? [String: Any])?["ready"], Self.isTrue(flag) { ready = true; break }
                last = "\(status)"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard ready else {
            driver.signal(SIGKILL)
            throw SupportError("chromedriver did not start (\(last)): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
        let options: [String: Any] = [
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)",
                     "--user-data-dir=\(dir.appendingPathComponent("profile").path)", "--no-first-run", "--lang=en-US"],
        ]
        let created = try await Self.call(port: port, "POST", "/session",
                                          ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]])
        guard let value = created["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            driver.signal(SIGKILL)
            throw SupportError("chromedriver made no session: \(created)")
        }
        session = id
    }

    /// JSONSerialization's true, whichever way Foundation bridges it.
    static func isTrue(_ value: Any) -> Bool {
        (value as? Bool) == true || (value as? NSNumber)?.boolValue == true
    }

    public func quit() async {
        _ = try? await command("DELETE", "")
        driver.signal(SIGKILL)
        let process = driver
        await withCheckedContinuation { continuation in Thread.detachNewThread { _ = process.wait(); continuation.resume() } }
        try? FileManager.default.removeItem(at: dir)
    }

    public func open(_ url: String) async throws { _ = try await command("POST", "/url", ["url": url]) }
    public func currentURL() async throws -> String { try await command("GET", "/url") as? String ?? "" }
    public func title() async throws -> String { try await command("GET", "/title") as? String ?? "" }
    public func source() async throws -> String { try await command("GET", "/source") as? String ?? "" }

    /// Elements matching a CSS selector, as opaque ids.
    public func elements(_ css: String) async throws -> [String] {
        let found = try await command("POST", "/elements", ["using": "css selector", "value": css]) as? [[String: Any]] ?? []
        return found.compactMap { $0.values.first as? String }
    }

    public func element(_ css: String) async throws -> String {
        guard let first = try await elements(css).first else { throw SupportError("no element matches \(css) on \(try await currentURL())") }
        return first
    }

    /// The text a person sees in the element (rendered, whitespace collapsed).
    public func text(_ element: String) async throws -> String {
        try await command("GET", "/element/\(element)/text") as? String ?? ""
    }

    public func text(of css: String) async throws -> String { try await text(try await element(css)) }

    public func attribute(_ element: String, _ name: String) async throws -> String? {
        try await command("GET", "/element/\(element)/attribute/\(name)") as? String
    }

    public func type(_ text: String, into css: String) async throws {
        _ = try await command("POST", "/element/\(try await element(css))/value", ["text": text])
    }

    public func click(_ css: String) async throws {
        _ = try await command("POST", "/element/\(try await element(css))/click", [:])
    }

    /// Runs a script in the page, for measuring layout (the pages have none).
    public func evaluate(_ script: String) async throws -> Any? {
        try await command("POST", "/execute/sync", ["script": script, "args": []])
    }

    /// Saves a PNG of the window.
    public func screenshot(to path: String) async throws {
        guard let base64 = try await command("GET", "/screenshot") as? String, let png = Data(base64Encoded: base64) else {
            throw SupportError("no screenshot")
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try png.write(to: URL(fileURLWithPath: path))
    }

    func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        let answer = try await Self.call(port: port, method, "/session/\(session)\(path)", body)
        if let value = answer["value"] as? [String: Any], let error = value["error"] as? String {
            throw SupportError("WebDriver \(method) \(path): \(error): \(value["message"] ?? "")")
        }
        return answer["value"]
    }

    /// One WebDriver call through the curl program: Foundation's URLSession
    /// on Linux fails on chromedriver's answers ("Failed writing header").
    static func call(port: Int, _ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var arguments = ["-sS", "--max-time", "60", "-X", method, "http://127.0.0.1:\(port)\(path)"]
        if let body {
            let data = try JSONSerialization.data(withJSONObject: body)
            arguments += ["-H", "Content-Type: application/json", "--data-binary", String(decoding: data, as: UTF8.self)]
        }
        let result = try await runProgram(URL(fileURLWithPath: "/usr/bin/curl"), arguments)
        guard result.status == 0 else { throw SupportError("curl \(method) \(path): \(result.error)") }
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] ?? [:]
    }
}
