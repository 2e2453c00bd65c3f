import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

struct Request: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Citizens' service requests.", subcommands: [New.self])

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a new request for a service; its due date follows the service's time limit.")
        @OptionGroup var options: SocketOptions
        @Option(help: "The service's record id (setuctl list services).") var service: String
        @Option(help: "The applicant's name.") var applicant: String
        @Option(help: "The applicant's phone (01711-000000, +8801711000000; Bengali digits accepted).") var phone: String
        @Option(help: "The applicant's national ID number, if given.") var nid: String?
        @Option(help: "A record id; by default a new ULID.") var id: String?

        func run() async throws {
            let serviceRecord = try await options.client.call("GET", "/v1/records/services/\(service)")
            let office = str(serviceRecord["office"])
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var fields: [(key: String, value: JSONValue)] = [
                ("office", .string(office)), ("service_id", .string(service)), ("applicant_name", .string(applicant)),
                ("applicant_phone", .string(phone)), ("submitted_at", .string(RFC3339.format(millis: now - now % 1000))),
                ("status", .string("submitted")),
            ]
            if let nid { fields.append(("applicant_nid", .string(nid))) }
            if case .string(let limitText)? = serviceRecord["time_limit"], let limit = TimeLimit.parse(limitText) {
                fields.append(("due_at", .string(RFC3339.format(millis: TimeLimit.due(submittedMillis: now - now % 1000, limit: limit)))))
            }
            var rng = SystemRandomNumberGenerator()
            let requestID = id ?? RecordID.ulid(nowMillis: UInt64(now), using: &rng)
            let record = try await options.client.call("PUT", "/v1/records/requests/\(requestID)", body: .object(fields))
            if options.json { return printJSON(record) }
            print("request \(requestID) submitted" + (record["due_at"].flatMap { $0 == .null ? nil : ", due \(str($0))" } ?? ", no fixed time limit"))
        }
    }
}
