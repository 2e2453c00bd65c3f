import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SetuProtocol
import SetuCore
import SetuHub
import SetuTestSupport
import Testing

/// A leaked token costs an office neither its node id nor its replica:
/// tokens rotate, offices change, revoked nodes come back with a new token.
@Suite struct NodeTokenTests {
    @Test(arguments: Backend.allCases)
    func rotatingATokenRefusesTheOldOneAtOnce(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let old = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            let (new, hash) = NodeToken.generate(for: "office-a")
            try await Application(router: hub.router).test(.router) { client async throws in
                #expect(try await client.send(.get, "/v1/pull", token: old).status == .noContent)
                #expect(try await hub.storage.updateNode("office-a", AccountChange(tokenHash: hash)))
                #expect(try await client.send(.get, "/v1/pull", token: old).status == .unauthorized)
                #expect(try await client.send(.get, "/v1/pull", token: new).status == .noContent)
                #expect(try await hub.storage.updateNode("no-such-node", AccountChange(tokenHash: hash)) == false)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func officesChangeAndARevokedNodeComesBackOnlyWithANewToken(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            #expect(try await hub.storage.updateNode("office-a", AccountChange(offices: ["upazila:rupsha", "district:khulna"])))
            #expect(try await hub.storage.credentials(of: "office-a")?.node.offices == ["upazila:rupsha", "district:khulna"])
            #expect(try await hub.storage.updateNode("office-a", AccountChange(revoked: true)))
            let (fresh, hash) = NodeToken.generate(for: "office-a")
            try await Application(router: hub.router).test(.router) { client async throws in
                #expect(try await client.send(.get, "/v1/pull", token: token).status == .unauthorized)
                #expect(try await hub.storage.updateNode("office-a", AccountChange(tokenHash: hash, revoked: false)))
                #expect(try await client.send(.get, "/v1/pull", token: token).status == .unauthorized, "the revoked token stays refused")
                #expect(try await client.send(.get, "/v1/pull", token: fresh).status == .noContent)
            }
            #expect(try await hub.storage.credentials(of: "office-a")?.node.offices == ["upazila:rupsha", "district:khulna"], "offices kept")
        }
    }

    /// The commands, on a real hub process; refused tokens are logged with
    /// the node and the reason, never the secret.
    @Test func theNodeCommandsOnARealHub() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let first = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
        let rotated = try await hub.command(["node", "rotate-token", "office-a"])
        #expect(rotated.status == 0, "\(rotated.error)")
        let second = rotated.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(second.hasPrefix("office-a.") && second != first)
        #expect(try await hub.request("GET", "/v1/pull", token: first, body: nil).0 == 401)
        #expect(try await hub.request("GET", "/v1/pull", token: second, body: nil).0 == 204)

        #expect(try await hub.command(["node", "set-offices", "office-a", "--office", "district:khulna"]).status == 0)
        #expect(try await hub.command(["node", "list"]).output.contains("office-a\tactive\tdistrict:khulna"))
        #expect(try await hub.command(["node", "set-offices", "office-a", "--office", "not an office"]).status != 0)

        #expect(try await hub.command(["node", "revoke", "office-a"]).status == 0)
        let again = try await hub.command(["node", "add", "office-a", "--office", "district:khulna"])
        #expect(again.status != 0 && again.error.contains("reactivate"), "\(again.error)")
        let reactivated = try await hub.command(["node", "reactivate", "office-a"])
        #expect(reactivated.status == 0)
        let third = reactivated.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await hub.request("GET", "/v1/pull", token: second, body: nil).0 == 401)
        #expect(try await hub.request("GET", "/v1/pull", token: third, body: nil).0 == 204)
        #expect(try await hub.command(["node", "rotate-token", "no-such-node"]).status == 1)

        let log = hub.log
        #expect(log.contains("refused token") && log.contains("office-a") && log.contains("wrong secret"), "\(log)")
        for secret in [first, second].map({ String($0.split(separator: ".").last!) }) {
            #expect(!log.contains(secret), "a token's secret is never logged")
        }
    }
}
