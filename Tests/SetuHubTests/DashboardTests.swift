import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SetuCore
import SetuHub
import SetuProtocol
import Testing

/// The dashboard's HTTP side, in-process on both backends: what the browser
/// test cannot see (cookie attributes, security headers) and hostile input.
@Suite struct DashboardTests {
    static func signIn(_ client: some TestClientProtocol, token: String) async throws -> TestResponse {
        try await client.execute(uri: "/admin/login", method: .post,
                                 headers: [.contentType: "application/x-www-form-urlencoded"],
                                 body: ByteBuffer(string: "token=\(token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"))
    }

    @Test(arguments: Backend.allCases)
    func signingInSetsAStrictHttpOnlyCookieAndEveryPageRefusesFramingAndScripts(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let admin = try await FleetTests.addAdmin(hub)
            try await Application(router: hub.router).test(.router) { client in
                let anonymous = try await client.execute(uri: "/admin", method: .get)
                #expect(anonymous.status == .seeOther)
                #expect(anonymous.headers[.location] == "/admin/login")

                let signedIn = try await Self.signIn(client, token: admin)
                #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/admin")
                let cookie = try #require(signedIn.headers[.setCookie])
                #expect(cookie.hasPrefix("setu_admin=\(admin);"))
                for attribute in ["Path=/admin", "HttpOnly", "SameSite=Strict", "Max-Age=28800"] { #expect(cookie.contains(attribute), "\(cookie)") }
                #expect(!cookie.contains("Secure"), "plain HTTP on loopback")
                let behindProxy = try await client.execute(uri: "/admin/login", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Forwarded-Proto")!: "https"],
                    body: ByteBuffer(string: "token=\(admin)"))
                #expect(behindProxy.headers[.setCookie]?.contains("; Secure") == true, "behind a TLS proxy the cookie is Secure")

                let page = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: "other=1; setu_admin=\(admin)"])
                #expect(page.status == .ok)
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
                #expect(page.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(page.headers[.cacheControl] == "no-store")

                let out = try await client.execute(uri: "/admin/logout", method: .post, headers: [.cookie: "setu_admin=\(admin)"])
                #expect(out.headers[.setCookie]?.hasPrefix("setu_admin=; Path=/admin; Max-Age=0") == true)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func officeNamesAndErrorsAreEscapedNeverRunAsMarkup(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let (nodeToken, hash) = NodeToken.generate(for: "office-x")
            try await hub.storage.addNode(HubNode(id: "office-x", offices: ["upazila:rupsha"], createdAtMillis: 0, revoked: false,
                                                  name: "<script>alert('নাম')</script>"), tokenHash: hash)
            let admin = try await FleetTests.addAdmin(hub)
            let report = NodeReport(version: "0.1.0", pending: 0, lastError: "<img src=x onerror=alert(1)>")
            try await Application(router: hub.router).test(.router) { client in
                _ = try await client.send(.get, "/v1/pull", token: nodeToken, headers: FleetTests.reportHeader(report))
                await hub.service.recorder.flush()
                for uri in ["/admin", "/admin/nodes", "/admin/nodes/office-x"] {
                    let html = String(buffer: try await client.execute(uri: uri, method: .get, headers: [.cookie: "setu_admin=\(admin)"]).body)
                    #expect(!html.contains("<script>") && !html.contains("<img"), "\(uri)")
                    #expect(html.contains("&lt;script&gt;alert("), "\(uri)")
                }
                let node = String(buffer: try await client.execute(uri: "/admin/nodes/office-x", method: .get, headers: [.cookie: "setu_admin=\(admin)"]).body)
                #expect(node.contains("&lt;img src=x onerror=alert(1)&gt;"))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func badSignInsAndUnknownPagesSayWhatHappened(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let node = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            let admin = try await FleetTests.addAdmin(hub)
            try await Application(router: hub.router).test(.router) { client in
                for token in [node, "admin.khulna-dc." + String(repeating: "0", count: 64), "", String(repeating: "x", count: 3_000)] {
                    let refused = try await Self.signIn(client, token: token)
                    #expect(refused.status == .unauthorized)
                    #expect(refused.headers[.setCookie] == nil)
                    #expect(String(buffer: refused.body).contains("not a valid admin token"))
                }
                let json = try await client.execute(uri: "/admin/login", method: .post, headers: [.contentType: "application/json"],
                                                    body: ByteBuffer(string: "{\"token\":\"\(admin)\"}"))
                #expect(json.status == .unsupportedMediaType)
                let huge = try await client.execute(uri: "/admin/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: "token=" + String(repeating: "a", count: 10_000)))
                #expect(huge.status == .contentTooLarge)
                let missing = try await client.execute(uri: "/admin/nodes/nobody", method: .get, headers: [.cookie: "setu_admin=\(admin)"])
                #expect(missing.status == .notFound)
                #expect(String(buffer: missing.body).contains("No node nobody is registered."))
                let badFilter = try await client.execute(uri: "/admin/nodes?state=sleepy", method: .get, headers: [.cookie: "setu_admin=\(admin)"])
                #expect(badFilter.status == .badRequest)
                #expect(String(buffer: badFilter.body).contains("state must be one of"))
                #expect(try await client.execute(uri: "/admin/logout", method: .get).status == .methodNotAllowed)
            }
        }
    }
}
