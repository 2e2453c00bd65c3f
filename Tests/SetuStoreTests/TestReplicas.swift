import Foundation
import SetuCore
import SetuStore
import SetuTestSupport

/// A fresh directory for one test's replica files, removed afterwards.
/// On /dev/shm when it exists: real SQLite files and WAL, without disk waits.
final class TemporaryDirectory {
    let path: String

    init() {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        path = "\(base)/setu-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A settable physical clock for replicas under test.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var millis: UInt64

    init(_ millis: UInt64 = 1_800_000_000_000) { self.millis = millis }

    var now: UInt64 {
        get { lock.withLock { millis } }
        set { lock.withLock { millis = newValue } }
    }

    var source: @Sendable () -> UInt64 { { self.now } }
}

enum Fixtures {
    static func service(serial: Int64 = 1, name: String = "জন্ম নিবন্ধন") -> [String: FieldValue] {
        ["office": .text("upazila:rupsha"), "section": .text("citizen"), "serial": .int(serial), "name": .text(name),
         "fee": .text("বিনামূল্যে"), "officer_phone": .text("01711000000")]
    }

    static func product(stock: Int64 = 0) -> [String: FieldValue] {
        ["office": .text("district:khulna"), "entrepreneur": .text("রহিমা বেগম"), "title": .text("নকশী কাঁথা"),
         "price_paisa": .int(250_000), "stock": .int(stock), "listed": .bool(true)]
    }
}

/// Runs the system `sqlite3` shell against a replica file: a real outside client.
@discardableResult
func sqlite3(_ path: String, _ sql: String) throws -> (status: Int32, output: String, error: String) {
    try runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), ["-bail", path, sql])
}
