import ArgumentParser
import Foundation
import SetuCore
import SetuBundle
import SetuHub

extension NodeCommand {
    /// `setu-hub node add ID --office CODE… [--name …]`, or many at once
    /// with `--from FILE --tokens FILE`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a node and print its token once (the hub keeps only a hash); or many from a CSV file.",
            discussion: """
                --from FILE reads a CSV file (UTF-8, a header line id,offices,name; offices separated by spaces;
                name optional, e.g. রূপসা উপজেলা আইসিটি অফিস), registers every node in one transaction (all or
                none), and writes id,token lines to --tokens FILE, created with mode 0600 (it must not exist).
                """)

        @Argument(help: "The node id, as set in the office's setud.toml (letters, digits, . _ - :).")
        var nodeID: String?

        @Option(name: .customLong("office"), help: "An office code the node serves, e.g. upazila:rupsha (repeatable).")
        var offices: [String] = []

        @Option(help: "What people call the office, shown in the fleet view (any script; stored NFC).")
        var name: String?

        @Option(help: "The node's public signing key for bundle files (setud --print-public-key), for an office that may never connect.")
        var publicKey: String?

        @Option(help: "Register every node listed in this CSV file (id,offices,name).")
        var from: String?

        @Option(help: "With --from: write the tokens here (id,token per line; mode 0600; must not exist).")
        var tokens: String?

        @OptionGroup var options: ConfigOption

        func validate() throws {
            if from != nil {
                guard nodeID == nil, offices.isEmpty, name == nil, publicKey == nil else { throw ValidationError("--from takes the nodes from the file; give no id, --office or --name") }
                guard tokens != nil else { throw ValidationError("--from needs --tokens FILE, where the new tokens are written") }
                return
            }
            guard tokens == nil else { throw ValidationError("--tokens goes with --from") }
            guard let nodeID else { throw ValidationError("give a node id, or --from FILE") }
            let id = try NodeCommand.nodeID(nodeID)
            guard !HubNode.isReservedID(id) else { throw ValidationError(HubNode.reservedIDMessage(id)) }
            try NodeCommand.validateOffices(offices)
            if let name { _ = try NodeList.checkName(name) }
            if let publicKey, PublicSigningKey(publicKey) == nil { throw ValidationError("--public-key must be \(PublicSigningKey.formatHint)") }
        }

        func run() async throws {
            let config = try options.load()
            if let from, let tokens { return try await addMany(from: from, tokens: tokens, config: config) }
            let node = HubNode(id: NodeID(rawValue: nodeID!)!, offices: offices, createdAtMillis: Self.nowMillis(), revoked: false,
                               name: try name.map(NodeList.checkName))
            let (token, hash) = NodeToken.generate(for: node.id)
            try await NodeCommand.withStorage(config) { try await $0.addNode(node, tokenHash: hash) }
            if let publicKey { try await NodeCommand.setKey(publicKey, of: node.id, config: config) }
            print(token)
            FileHandle.standardError.write(Data("node \(node.id) added for \(offices.joined(separator: ", ")); put the token above in its setud.toml (hub.token); it is not shown again\n".utf8))
        }

        /// All nodes of the file or none; the tokens file is made (0600,
        /// exclusively) before anything is stored, so no token can be lost.
        func addMany(from: String, tokens: String, config: HubConfig) async throws {
            let nodes: [HubNode]
            do {
                nodes = try NodeList.parse(try Self.read(from), createdAtMillis: Self.nowMillis())
            } catch let error as NodeList.Problem {
                FileHandle.standardError.write(Data("setu-hub: \(from): \(error); nothing was added\n".utf8))
                throw ExitCode(1)
            }
            let issued = nodes.map { node in (node, NodeToken.generate(for: node.id)) }
            let lines = issued.map { "\($0.0.id),\($0.1.token)\n" }.joined()
            let descriptor = open(tokens, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard descriptor >= 0 else {
                FileHandle.standardError.write(Data("setu-hub: cannot create \(tokens) (\(String(cString: strerror(errno)))); it must not exist already; nothing was added\n".utf8))
                throw ExitCode(1)
            }
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            try handle.write(contentsOf: Data(lines.utf8))
            try handle.synchronize()
            do {
                try await NodeCommand.withStorage(config) { try await $0.addNodes(issued.map { ($0.0, $0.1.hash) }) }
            } catch {
                try? FileManager.default.removeItem(atPath: tokens)
                throw error
            }
            FileHandle.standardError.write(Data("\(nodes.count) nodes added; their tokens are in \(tokens) (mode 0600): give each office its own line, then delete the file\n".utf8))
        }

        static func read(_ path: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path) else { throw NodeList.Problem(line: 0, "cannot read the file") }
            guard let text = String(data: data, encoding: .utf8) else { throw NodeList.Problem(line: 0, "not UTF-8; save it as UTF-8 CSV") }
            return text
        }

        static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
    }
}
