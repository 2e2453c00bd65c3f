import Foundation
import SetuTestSupport
import Testing

/// A row changed while a tool had dropped the capture triggers, into
/// something Setu refuses: its earlier values are gone here, so the stamp
/// stops and names the record. Status must say so between syncs, not only
/// once the next sync fails, and clear by itself once the row is corrected.
@Suite struct UnstampableRowTests {
    @Test func aRowSetuCannotStampShowsInStatusUntilItIsCorrected() async throws {
        let (hub, setud) = try await oneProductOffice()
        defer { setud.stop(); hub.stop() }
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)

        let edit = try await runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), ["-cmd", ".timeout 5000", setud.replicaPath, """
            DROP TRIGGER setu_capture_products_update; DROP TRIGGER setu_preimage_products_update;
            UPDATE products SET office = 'Khulna District' WHERE id = 'p1';
            """])
        #expect(edit.status == 0, "\(edit.error)")
        let shown = await waitUntil(seconds: 20) {
            (try? await setud.ctl(["status", "--json"]).output).map { $0.contains("\"state\":\"error\"") && $0.contains("products/p1") } == true
        }
        let status = try await setud.ctl(["status", "--json"]).output
        #expect(shown, "status between syncs: \(status)")
        #expect(status.contains("\"stamp_error\":\"") && status.contains("correct the row"), "\(status)")
        let human = try await setud.ctl(["status"]).output
        #expect(human.contains("products/p1") && human.contains("correct the row"), "\(human)")

        let fix = try await runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), ["-cmd", ".timeout 5000", setud.replicaPath,
            "UPDATE products SET office = 'district:khulna', title = 'নকশী কাঁথা' WHERE id = 'p1';"])
        #expect(fix.status == 0, "\(fix.error)")
        let cleared = await waitUntil(seconds: 20) {
            (try? await setud.ctl(["status", "--json"]).output).map { $0.contains("\"stamp_error\":null") && !$0.contains("\"state\":\"error\"") } == true
        }
        let after = try await setud.ctl(["status", "--json"]).output
        #expect(cleared, "\(after)")
        #expect(try await setud.ctl(["get", "products", "p1"]).output.contains("নকশী কাঁথা"))
    }
}
