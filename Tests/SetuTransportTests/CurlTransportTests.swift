import Foundation
import SetuCore
import SetuProtocol
import SetuTestSupport
import SetuTransport
import Testing

@Suite struct CurlTransportTests {
    static func transport(port: Int, configure: (inout CurlOptions) -> Void = { _ in }) -> CurlTransport {
        var options = CurlOptions(baseURL: "http://127.0.0.1:\(port)")
        options.connectTimeoutSeconds = 3
        options.totalTimeoutSeconds = 10
        options.lowSpeedBytesPerSecond = 100
        options.lowSpeedSeconds = 2
        configure(&options)
        return CurlTransport(options: options)
    }

    static func failure(_ transport: CurlTransport, path: String = "/v1/health") async -> TransportError? {
        do {
            _ = try await transport.send(TransportRequest(method: "GET", path: path))
            return nil
        } catch let error as TransportError {
            return error
        } catch {
            return TransportError(.badResponse, "unexpected error \(error)")
        }
    }

    @Test func aStalledServerIsNoticedByTheLowSpeedLimit() async throws {
        let server = try MisbehavingServer(.stall)
        defer { server.stop() }
        let started = ContinuousClock.now
        let error = await Self.failure(Self.transport(port: server.port) { $0.totalTimeoutSeconds = 60 })
        #expect(error?.kind == .stalled)
        #expect(ContinuousClock.now - started < .seconds(30), "the low-speed limit (2 s), not the total timeout (60 s), ends it")
    }

    /// For tests of other failures: slack enough that a slow scheduler on a
    /// loaded machine is never mistaken for a stalled link.
    static func patient(_ options: inout CurlOptions) {
        options.lowSpeedSeconds = 30
        options.totalTimeoutSeconds = 60
    }

    @Test func aDrippingAnswerIsNoticedToo() async throws {
        let server = try MisbehavingServer(.slowDrip)
        defer { server.stop() }
        #expect(await Self.failure(Self.transport(port: server.port))?.kind == .stalled)
    }

    @Test func aResetConnectionIsAReset() async throws {
        let server = try MisbehavingServer(.reset)
        defer { server.stop() }
        let error = await Self.failure(Self.transport(port: server.port, configure: Self.patient))
        #expect(error?.kind == .reset || error?.kind == .badResponse, "\(String(describing: error))")
        #expect(error?.isRetryable == true)
    }

    @Test func garbageIsABadResponse() async throws {
        let server = try MisbehavingServer(.garbage)
        defer { server.stop() }
        let error = await Self.failure(Self.transport(port: server.port, configure: Self.patient))
        #expect(error?.kind == .badResponse, "\(String(describing: error))")
    }

    /// A port held bound but not listening: connections are refused, and no
    /// other test can take the port meanwhile (a port freed for the test was
    /// seen taken by another test's server, in a parallel run).
    @Test func nothingListeningIsAConnectFailure() async throws {
        let held = try RawSocket.boundNotListening()
        defer { close(held.fd) }
        #expect(await Self.failure(Self.transport(port: held.port, configure: Self.patient))?.kind == .connect)
    }

    @Test func anUnresolvableNameIsADNSFailure() async throws {
        let transport = CurlTransport(options: CurlOptions(baseURL: "http://setu-hub.invalid"))
        let error = await Self.failure(transport)
        #expect(error?.kind == .dns || error?.kind == .timeout, "\(String(describing: error))")
    }

    @Test func talksToARealHubAndCarriesItsErrorText() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
        let transport = Self.transport(port: hub.port)
        let health = try await transport.send(TransportRequest(method: "GET", path: "/v1/health"))
        #expect(health.status == 200)

        var state = RecordState()
        let values = try Collections.services.validate(
            ["office": .text("upazila:rupsha"), "section": .text("citizen"), "serial": .int(1), "name": .text("জন্ম নিবন্ধন")], mode: .whole).values
        state.write(values, dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: UInt64(Date().timeIntervalSince1970 * 1000))))
        let client = HubClient(transport: transport, token: token)
        let push = try await client.push(PushRequest(records: [ReplicatedRecord(collection: "services", id: "s1", state: state)]))
        #expect(push.value == PushResponse(changed: 1, unchanged: 0))
        #expect(push.bytesSent > 0)

        let reader = HubClient(transport: transport, token: try await hub.addNode("office-b", offices: ["upazila:rupsha"]))
        let page = try await reader.pull(cursor: nil, limit: 100, maxBytes: 1 << 20)
        #expect(page.value?.records.first?.state == state, "Bengali text and clocks survive the round trip")
        let idle = try await reader.pull(cursor: page.value?.cursor, limit: 100, maxBytes: 1 << 20)
        #expect(idle.value == nil)

        do {
            _ = try await HubClient(transport: transport, token: "office-a." + String(repeating: "0", count: 64)).pull(cursor: nil, limit: 10, maxBytes: 4096)
            Issue.record("a wrong token was accepted")
        } catch let refusal as HubRefusal {
            #expect(refusal.status == 401)
            #expect(refusal.description.contains("setu-hub node add"), "the hub's own advice reaches the operator")
        }
    }

    /// The requests of one transport (a sync's pages, the next idle poll)
    /// go over the connection the first one opened.
    @Test func requestsReuseTheConnectionTheFirstOpened() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let transport = Self.transport(port: hub.port)
        var opened: [Int] = []
        for _ in 0..<4 {
            let health = try await transport.send(TransportRequest(method: "GET", path: "/v1/health"))
            #expect(health.status == 200)
            opened.append(health.newConnections)
        }
        #expect(opened == [1, 0, 0, 0])
    }

    /// A kept connection the server has since closed is not an error: the
    /// next request opens another.
    @Test func aKeptConnectionTheServerDroppedIsReopened() async throws {
        let server = try MisbehavingServer(.answerOnceThenDrop)
        defer { server.stop() }
        let transport = Self.transport(port: server.port, configure: Self.patient)
        for _ in 0..<3 {
            let answer = try await transport.send(TransportRequest(method: "POST", path: "/v1/push", body: Array("{}".utf8)))
            #expect(answer.status == 200)
            #expect(answer.body == Array("ok".utf8))
        }
        #expect(server.connections == 3)
    }

    @Test func tlsVerificationStaysOnUnlessTheTestHostIsNamed() {
        var options = CurlOptions(baseURL: "https://hub.example.gov.bd:8443")
        options.insecureTestHost = "other.example"
        #expect(options.verifiesTLS)
        options.insecureTestHost = "hub.example.gov.bd"
        #expect(!options.verifiesTLS)
    }

    /// An office proxy that wants credentials is a proxy problem with the
    /// fix, and not one that goes away by retrying; for plain HTTP through
    /// the proxy and for a CONNECT tunnel (HTTPS) alike.
    @Test(arguments: ["http://hub.example.gov.bd:8080", "https://hub.example.gov.bd:8443"])
    func aProxyThatWantsCredentialsSaysSoWithTheFix(_ hubURL: String) async throws {
        let proxy = try MisbehavingServer(.proxyAuthRequired)
        defer { proxy.stop() }
        var options = CurlOptions(baseURL: hubURL)
        options.proxy = "http://127.0.0.1:\(proxy.port)"
        Self.patient(&options)
        let client = HubClient(transport: CurlTransport(options: options), token: "office-a." + String(repeating: "0", count: 64))
        do {
            _ = try await client.pull(cursor: nil, limit: 10, maxBytes: 4096)
            Issue.record("a 407 went unnoticed")
        } catch let error as TransportError {
            #expect(error.kind == .proxy, "\(error)")
            #expect(error.status == 407)
            #expect(error.message.contains("proxy_credentials"), "\(error.message)")
            #expect(!error.message.contains("Setu hub?"), "not called a wrong hub.url")
            #expect(!error.isRetryable, "credentials do not come by waiting")
        }
    }

    @Test func anEmptyReplyIsAResetNotAMisconfiguration() async throws {
        let server = try MisbehavingServer(.emptyReply)
        defer { server.stop() }
        let error = await Self.failure(Self.transport(port: server.port, configure: Self.patient))
        #expect(error?.kind == .reset, "\(String(describing: error))")
        #expect(error?.message.contains("Setu hub?") == false, "\(String(describing: error))")
        #expect(error?.isRetryable == true)
    }

    /// What went on the wire, request headers and body, each counted once.
    @Test(arguments: [0, 10_000, 2_000_000])
    func bytesSentAreWhatTheServerReceived(_ size: Int) async throws {
        let server = try MisbehavingServer(.countBytes)
        defer { server.stop() }
        let body = [UInt8](repeating: 0x61, count: size)
        let response = try await Self.transport(port: server.port, configure: Self.patient)
            .send(TransportRequest(method: "POST", path: "/v1/push", headers: [("Content-Type", "application/json")], body: body))
        #expect(response.status == 200)
        #expect(server.bytesReceived > body.count)
        #expect(response.bytesSent == server.bytesReceived, "sent \(response.bytesSent), received \(server.bytesReceived)")
    }
}
