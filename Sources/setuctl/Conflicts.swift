import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

struct Conflicts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List open conflicts: fields with concurrent values.")
    @OptionGroup var options: SocketOptions

    func run() async throws {
        let list = try await options.client.call("GET", "/v1/conflicts")
        if options.json { return printJSON(list) }
        guard case .array(let items) = list, !items.isEmpty else { return print("no open conflicts") }
        for item in items {
            if item["kind"] == .string("oversold") {
                print(Self.oversoldLine(item))
                continue
            }
            let values: [String] = {
                guard case .array(let vs)? = item["values"] else { return [] }
                return vs.map { v in
                    let nodes: [String] = if case .array(let ns)? = v["nodes"] { ns.map { str($0) } } else { [str(v["node"])] }
                    return "\(JSONWriter.string(v["value"] ?? .null)) (\(nodes.joined(separator: ", ")))"
                }
            }()
            let cap = item["at_cap"] == .bool(true) ? "; at the cap of \(JSONWriter.string(item["cap"] ?? .null)) values: the oldest goes when more offices write" : ""
            print("\(str(item["collection"]))/\(str(item["id"])) \(str(item["field"])): \(values.joined(separator: " vs ")); shown: \(JSONWriter.string(item["shown"] ?? .null))\(cap)")
        }
    }

    /// "products/nakshi-1 stock: oversold, stock -2 (integration:ecom -5, khulna +3); restock …"
    static func oversoldLine(_ item: JSONValue) -> String {
        let moves: [String] = {
            guard case .array(let vs)? = item["values"] else { return [] }
            return vs.map { v in
                guard case .int(let n)? = v["value"] else { return str(v["node"]) }
                return "\(str(v["node"])) \(n > 0 ? "+" : "")\(n)"
            }
        }()
        let id = str(item["id"])
        return "products/\(id) stock: oversold, stock \(JSONWriter.string(item["shown"] ?? .null)) (\(moves.joined(separator: ", "))); "
            + "restock with setuctl stock adjust \(id) +N, or set the counted stock with setuctl resolve products \(id) stock --value N"
    }
}
