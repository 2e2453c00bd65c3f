import ArgumentParser
import Foundation
import SetuBundle
import SetuCore
import SetuHub

extension NodeCommand {
    /// `setu-hub node set-key ID --public-key KEY`: the key the node's
    /// bundles are verified with, for a node that never connects (or after
    /// a revoke and reactivate, which cleared it).
    struct SetKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-key", abstract: "Set the public key a node's bundle files are verified with (setud --print-public-key on its PC).")
        @Argument(help: "The node id.") var nodeID: String
        @Option(help: "The node's public key, \(PublicSigningKey.formatHint).") var publicKey: String
        @OptionGroup var options: ConfigOption

        func validate() throws {
            _ = try NodeCommand.nodeID(nodeID)
            guard PublicSigningKey(publicKey) != nil else { throw ValidationError("--public-key must be \(PublicSigningKey.formatHint)") }
        }

        func run() async throws {
            let config = try options.load()
            try await NodeCommand.setKey(publicKey, of: try NodeCommand.nodeID(nodeID), config: config)
            print("node \(nodeID): bundles are verified with \(publicKey)")
        }
    }

    /// Stores `key` for a registered node, or exits 1 naming the missing node.
    static func setKey(_ key: String, of id: NodeID, config: HubConfig) async throws {
        let raw = PublicSigningKey(key)!.rawBytes
        let found = try await withStorage(config) { storage in
            guard try await storage.credentials(of: id) != nil else { return false }
            _ = try await storage.setPublicKey(raw, of: id, replace: true)
            return true
        }
        guard found else {
            FileHandle.standardError.write(Data("setu-hub: no node \(id); see setu-hub node list\n".utf8))
            throw ExitCode(1)
        }
    }
}
