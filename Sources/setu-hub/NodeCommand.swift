import ArgumentParser
import Foundation
import SetuCore
import SetuHub

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Register, list, re-key, re-scope, enrol signing keys of, revoke and reactivate office nodes.",
        subcommands: [Add.self, List.self, RotateToken.self, SetOffices.self, SetKey.self, Revoke.self, Reactivate.self])

    /// Checks `--office` values (at least one, each an office code).
    static func validateOffices(_ offices: [String]) throws {
        guard !offices.isEmpty else { throw ValidationError("give at least one --office CODE") }
        for office in offices {
            do {
                _ = try Collections.services.normalise(.text(office), for: Collections.services.field("office")!)
            } catch {
                throw ValidationError("--office \(office): expected an office code such as upazila:rupsha")
            }
        }
    }

    static func nodeID(_ text: String) throws -> NodeID {
        guard let id = NodeID(rawValue: text) else { throw ValidationError("node id must be 1–64 letters, digits, '.', '_', '-' or ':'") }
        return id
    }

    /// Gives a node a fresh token (with `change`'s other properties) and
    /// prints it once, with `note` on stderr.
    static func issueToken(to id: NodeID, revoked: Bool? = nil, config: HubConfig, note: String) async throws {
        let (token, hash) = NodeToken.generate(for: id)
        try await update(id, AccountChange(tokenHash: hash, revoked: revoked), config: config)
        print(token)
        FileHandle.standardError.write(Data("\(note)\n".utf8))
    }

    static func withStorage<T: Sendable>(_ config: HubConfig, _ body: @Sendable @escaping (any HubStorage) async throws -> T) async throws -> T {
        try await HubRuntime.withStorage(config, logger: HubRuntime.logger(level: .warning), body)
    }

    /// Applies `change` to one node, or exits 1 naming the missing node.
    static func update(_ id: NodeID, _ change: AccountChange, config: HubConfig) async throws {
        let found = try await HubRuntime.withStorage(config, logger: HubRuntime.logger(level: .warning)) { try await $0.updateNode(id, change) }
        guard found else {
            FileHandle.standardError.write(Data("setu-hub: no node \(id); see setu-hub node list\n".utf8))
            throw ExitCode(1)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List registered nodes, tab-separated under a header (id, state, offices, name); setu-hub nodes shows how they sync.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let config = try options.load()
            let nodes = try await HubRuntime.withStorage(config, logger: HubRuntime.logger(level: .warning)) { try await $0.nodes() }
            print("ID\tSTATE\tOFFICES\tNAME")
            for node in nodes {
                print("\(node.id)\t\(node.revoked ? "revoked" : "active")\t\(node.offices.joined(separator: ","))\t\(node.name ?? "")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a node's token: its requests are refused from now on.")
        @Argument(help: "The node id.") var nodeID: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let config = try options.load()
            try await NodeCommand.update(try NodeCommand.nodeID(nodeID), AccountChange(revoked: true), config: config)
            print("node \(nodeID) revoked (its signing key too: its bundles are refused); setu-hub node reactivate \(nodeID) gives it a new token")
        }
    }
}
