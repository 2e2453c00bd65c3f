import ArgumentParser
import Foundation
import SetuHub
import SetuProtocol

/// `setu-hub nodes`: the fleet as a table a person reads, stalest first.
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "Show every office node: last seen, lag, what is pending or stuck there; stalest first.",
        discussion: """
            LAST SEEN is when the hub last heard from the node; LAG the records waiting for it at the hub; PENDING,
            OLDEST UNSENT, CONFLICTS, SET ASIDE, VERSION and SKEW are what the office reported at its last sync.
            STATE is one of \(FleetState.allCases.map(\.rawValue).joined(separator: ", ")) (stale: not seen for a day).
            Activity reaches the database a few seconds after the request.
            """)

    @Option(help: "Only nodes not seen for at least this long (never seen included): 90m, 24h, 7d.")
    var stale: String?

    @Option(help: "Only nodes with an office code starting with this, e.g. district:khulna or upazila:.")
    var office: String?

    @Option(help: "Only nodes with an office in this district (the office name up to its first '-').")
    var district: String?

    @Option(help: "Only nodes in this state.")
    var state: String?

    @Flag(help: "JSON, as GET /v1/admin/nodes answers.")
    var json = false

    @OptionGroup var options: ConfigOption

    func validate() throws {
        do {
            _ = try FleetService.query(stale: stale, office: office, district: district, state: state)
        } catch let error as HubError {
            throw ValidationError(error.body.message.replacingOccurrences(of: "stale must", with: "--stale must")
                .replacingOccurrences(of: "state must", with: "--state must"))
        }
    }

    func run() async throws {
        let config = try options.load()
        let query = try FleetService.query(stale: stale, office: office, district: district, state: state)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let nodes = try await NodeCommand.withStorage(config) { try await $0.fleet(lag: true) }
        let shown = query.apply(to: nodes, nowMillis: now)
        if json {
            print(String(decoding: JSONWriter.write(FleetJSON.nodes(shown, nowMillis: now)), as: UTF8.self))
            return
        }
        print(FleetRow.table(shown.map { FleetRow($0, nowMillis: now) }))
        FileHandle.standardError.write(Data("\(shown.count) of \(nodes.count) nodes\n".utf8))
    }
}
