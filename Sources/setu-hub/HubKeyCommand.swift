import ArgumentParser

/// `setu-hub key`: the hub's public signing key, for offices that sync only
/// by bundle files (their setud.toml hub.public_key).
struct HubKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Print the hub's public signing key (made if there is none yet), for offices that never connect.")
    @OptionGroup var options: ConfigOption

    func run() async throws {
        print(try options.load().signingKey().publicKey)
    }
}
