import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

struct Stock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Product stock.", subcommands: [Adjust.self])

    struct Adjust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Adjust stock by +N or -N (merged as a counter across offices).")
        @OptionGroup var options: SocketOptions
        @Argument var productID: String
        // allUnrecognized: so "-2" is taken as the adjustment, not as an option.
        @Argument(parsing: .allUnrecognized, help: "+5 or -2 (Bengali digits accepted).") var deltas: [String] = []

        func validate() throws {
            guard deltas.count == 1 else { throw ValidationError("give one adjustment, such as +5 or -2") }
        }

        func run() async throws {
            let delta = deltas[0]
            guard let n = BengaliDigits.parseInteger(delta.hasPrefix("+") ? String(delta.dropFirst()) : delta), n != 0 else {
                throw ValidationError("the adjustment must be a non-zero whole number such as +5 or -2")
            }
            let record = try await options.client.call("POST", "/v1/records/products/\(productID)/adjust/stock", body: .object([("by", .int(n))]))
            options.json ? printJSON(record) : print("stock of \(productID) is now \(str(record["stock"]))")
        }
    }
}
