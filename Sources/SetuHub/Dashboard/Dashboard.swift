import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import SetuCore

/// The fleet dashboard at `/admin`: server-rendered pages, signed in with an
/// admin token that is kept in an HttpOnly, SameSite=Strict cookie scoped to
/// `/admin` (checked against the hub's admins on every request, so a revoked
/// token closes the dashboard at once, on every hub process).
enum Dashboard {
    static let cookie = "setu_admin"
    /// A sign-in lasts a working day.
    static let signInSeconds = 8 * 3_600

    static func add(to router: Router<BasicRequestContext>, fleet: FleetService, secureCookies: Bool) {
        let library: MustacheLibrary
        do {
            library = try DashboardTemplates.library()
        } catch {
            preconditionFailure("the dashboard's templates do not parse: \(error)")
        }
        let pages = Pages(library: library, fleet: fleet, secureCookies: secureCookies)
        router.get("/admin") { request, context in
            try await pages.signedIn(request, context) { admin in try await pages.summary(admin: admin) }
        }
        router.get("/admin/nodes") { request, context in
            try await pages.signedIn(request, context) { admin in try await pages.nodes(request, admin: admin) }
        }
        router.get("/admin/nodes/:id") { request, context in
            try await pages.signedIn(request, context) { admin in try await pages.node(context.parameters.get("id") ?? "", admin: admin) }
        }
        router.get("/admin/login") { _, _ in pages.html(.ok, "login", DashboardViews.login(message: nil, nowMillis: fleet.nowMillis)) }
        router.post("/admin/login") { request, context in try await pages.signIn(request, context) }
        router.post("/admin/logout") { request, _ in
            var response = Pages.redirect("/admin/login")
            response.headers[.setCookie] = pages.cookie("", maxAge: 0, request: request)
            return response
        }
    }

    struct Pages: Sendable {
        let library: MustacheLibrary
        let fleet: FleetService
        let secureCookies: Bool

        /// Runs `page` for a signed-in admin; anyone else goes to the sign-in page.
        func signedIn(_ request: Request, _ context: BasicRequestContext, _ page: (String) async throws -> Response) async throws -> Response {
            guard let admin = try await fleet.admin(token: Self.cookieValue(request.headers[.cookie], named: Dashboard.cookie), logger: context.logger) else {
                return Self.redirect("/admin/login")
            }
            return try await page(admin.name)
        }

        func summary(admin: String) async throws -> Response {
            let (summary, sorted) = try await fleet.summary()
            return html(.ok, "summary", DashboardViews.summary(summary, stalest: sorted, admin: admin, nowMillis: fleet.nowMillis))
        }

        func nodes(_ request: Request, admin: String) async throws -> Response {
            let q = request.uri.queryParameters
            var filters: [String: String] = [:]
            for key: Substring in ["stale", "office", "district", "state"] { filters[String(key)] = q[key].map(String.init) ?? "" }
            var message: String?
            var query = FleetQuery()
            do {
                query = try FleetService.query(stale: filters["stale"], office: filters["office"], district: filters["district"], state: filters["state"])
            } catch let error as HubError {
                message = error.body.message
            }
            let matching = try await fleet.nodes(query)
            let page = q["page"].flatMap { Int($0) } ?? 1
            var context = DashboardViews.nodes(matching, query: query, filters: filters, page: page, admin: admin, nowMillis: fleet.nowMillis) { n in
                var parts = filters.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.queryEncode($0.value))" }
                parts.append("page=\(n)")
                return "/admin/nodes?" + parts.joined(separator: "&")
            }
            if let message { context["message"] = message }
            return html(message == nil ? .ok : .badRequest, "nodes", context)
        }

        func node(_ text: String, admin: String) async throws -> Response {
            guard let id = NodeID(rawValue: text), let entry = try await fleet.storage.fleetNode(id) else {
                var context = DashboardViews.nodes([], query: FleetQuery(), filters: [:], page: 1, admin: admin, nowMillis: fleet.nowMillis) { _ in "" }
                context["message"] = "No node \(text.prefix(64)) is registered."
                return html(.notFound, "nodes", context)
            }
            return html(.ok, "node", DashboardViews.node(entry, admin: admin, nowMillis: fleet.nowMillis))
        }

        /// The sign-in form's POST: a valid admin token sets the cookie.
        func signIn(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
            guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else {
                return html(.unsupportedMediaType, "login", DashboardViews.login(message: "Send the sign-in form.", nowMillis: fleet.nowMillis))
            }
            let body = try await request.body.collect(upTo: 4_096)
            let token = Self.formValue(String(buffer: body), named: "token")?.trimmingCharacters(in: .whitespaces)
            guard let token, try await fleet.admin(token: token, logger: context.logger) != nil else {
                return html(.unauthorized, "login", DashboardViews.login(
                    message: "That is not a valid admin token (it may be revoked). Admin tokens start with admin.", nowMillis: fleet.nowMillis))
            }
            var response = Self.redirect("/admin")
            response.headers[.setCookie] = cookie(token, maxAge: Dashboard.signInSeconds, request: request)
            return response
        }

        func cookie(_ value: String, maxAge: Int, request: Request) -> String {
            let secure = secureCookies || request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
            return "\(Dashboard.cookie)=\(value); Path=/admin; Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
        }

        func html(_ status: HTTPResponse.Status, _ template: String, _ context: [String: Any]) -> Response {
            let text = library.render(context, withTemplate: template) ?? "template \(template) missing"
            return Response(status: status, headers: Self.headers(["Content-Type": "text/html; charset=utf-8"]),
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }

        static func redirect(_ location: String) -> Response {
            Response(status: .seeOther, headers: headers(["Location": location]))
        }

        /// No framing, no scripts, nothing from elsewhere, nothing cached.
        static func headers(_ extra: [String: String]) -> HTTPFields {
            var fields = HTTPFields()
            let all = extra.merging([
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
            ]) { a, _ in a }
            for (name, value) in all.sorted(by: { $0.key < $1.key }) { fields[HTTPField.Name(name)!] = value }
            return fields
        }

        static func cookieValue(_ header: String?, named name: String) -> String? {
            header?.split(separator: ";").lazy.map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix("\(name)=") }.map { String($0.dropFirst(name.count + 1)) }
        }

        static func formValue(_ body: String, named name: String) -> String? {
            for pair in body.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, parts[0] == name else { continue }
                return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            return nil
        }

        static func queryEncode(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~:"))) ?? ""
        }
    }
}
