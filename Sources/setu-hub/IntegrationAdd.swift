import ArgumentParser
import Foundation
import SetuHub

struct IntegrationAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Register a catalogue integration and print its token once (the hub keeps only a hash).",
        discussion: """
            --read lets it read GET /v1/catalogue/changes (products of its offices, resolved, never requests or
            services); --sell lets it record sales with POST /v1/catalogue/sales (a stock decrement counted under
            integration:NAME). Give at least one.
            """)

    @Argument(help: "Its name, e.g. ecom (lowercase letters, digits, -).")
    var name: String

    @Option(name: .customLong("office"), help: "An office whose products it may read and sell, e.g. district:khulna (repeatable).")
    var offices: [String] = []

    @Flag(help: "May read the catalogue feed.") var read = false
    @Flag(help: "May record sales.") var sell = false

    @OptionGroup var options: ConfigOption

    func validate() throws {
        try IntegrationCommand.checkName(name)
        try NodeCommand.validateOffices(offices)
        guard read || sell else { throw ValidationError("give --read, --sell or both: an integration that may do neither is no use") }
    }

    func run() async throws {
        let config = try options.load()
        let (token, hash) = PrefixedToken.integration.generate(for: name)
        let integration = HubIntegration(name: name, offices: offices, canRead: read, canSell: sell,
                                         createdAtMillis: Int64(Date().timeIntervalSince1970 * 1000), revoked: false)
        try await NodeCommand.withStorage(config) { try await $0.addIntegration(integration, tokenHash: hash) }
        print(token)
        let may = [read ? "read the catalogue" : nil, sell ? "record sales" : nil].compactMap { $0 }.joined(separator: " and ")
        FileHandle.standardError.write(Data("integration \(name) added: it may \(may) for \(offices.joined(separator: ", ")); give the platform the token above (Authorization: Bearer); it is not shown again\n".utf8))
    }
}
