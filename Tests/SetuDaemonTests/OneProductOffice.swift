import SetuTestSupport
import Testing

/// A real hub and a real setud for office-a (district:khulna), which
/// syncs when asked or written to, holding one product, p1 (কাঁথা), put
/// through setuctl. The caller stops both.
func oneProductOffice() async throws -> (hub: HubProcess, setud: SetudProcess) {
    let hub = try HubProcess()
    try await hub.waitUntilServing()
    let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["district:khulna"], sync: "interval_seconds = 3600")
    try await setud.waitUntilReady()
    #expect(try await setud.ctl(["put", "products", "p1", "office=district:khulna", "entrepreneur=রহিমা", "title=কাঁথা", "price_paisa=100"]).status == 0)
    return (hub, setud)
}
