import ArgumentParser

/// `setuctl bundle …`: sync by files on a USB stick where there is no link.
struct Bundle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sync by bundle files: export this office's changes, import the hub's answer, or carry bundles for an office with no link.",
        discussion: """
            With no link: setuctl bundle export FILE, carry FILE to the hub (setu-hub bundle import) or to an office with a
            link (setuctl bundle forward FILE there, then setuctl bundle fetch --for THIS_NODE ANSWER), bring the answer
            back and setuctl bundle import ANSWER. Bundles are signed: a carrier cannot alter them.
            """,
        subcommands: [BundleExport.self, BundleImport.self, BundleForward.self, BundleFetch.self])
}
