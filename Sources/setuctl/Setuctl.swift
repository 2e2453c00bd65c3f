import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol
import SetuTransport

/// `setuctl`: the operator's tool, a client of setud's control socket.
@main
struct Setuctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setuctl",
        abstract: "Inspect and drive the Setu daemon on this PC.",
        discussion: """
            Exit codes: 0 ok, 1 other failure, 2 usage error, 3 daemon unreachable,
            4 sync failed, 5 refused (invalid input, no such record).
            """,
        subcommands: [Status.self, Sync.self, Conflicts.self, Resolve.self, Get.self, Put.self, Patch.self,
                      Delete.self, List.self, Stock.self, Import.self, Request.self, Export.self])

    /// ArgumentParser exits 64 on usage errors; setuctl documents 2.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? AsyncParsableCommand { try await async.run() } else { try command.run() }
        } catch let error as CLIFailure {
            FileHandle.standardError.write(Data("setuctl: \(error.message)\n".utf8))
            Foundation.exit(error.code)
        } catch {
            let code = exitCode(for: error)
            if code.rawValue == 64 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

struct CLIFailure: Error {
    let code: Int32
    let message: String
    static func unreachable(_ detail: String, socket: String) -> CLIFailure {
        CLIFailure(code: 3, message: "cannot reach setud at \(socket) (\(detail)); is it running? (systemctl status setud)")
    }
}

struct SocketOptions: ParsableArguments {
    @Option(name: .long, help: "setud's control socket.")
    var socket: String = "/run/setu/setud.sock"

    @Flag(name: .long, help: "Print JSON instead of the human view.")
    var json = false

    var client: ControlClient { ControlClient(socket: socket) }
}

/// HTTP/JSON to setud over its Unix socket.
struct ControlClient {
    let socket: String

    func call(_ method: String, _ path: String, body: JSONValue? = nil, timeoutSeconds: Int = 30) async throws -> JSONValue {
        var options = CurlOptions(baseURL: "http://setud")
        options.unixSocketPath = socket
        options.totalTimeoutSeconds = timeoutSeconds
        options.connectTimeoutSeconds = 5
        let transport = CurlTransport(options: options)
        let response: TransportResponse
        do {
            response = try await transport.send(TransportRequest(method: method, path: path,
                                                                 headers: [("Content-Type", "application/json")], body: body.map(JSONWriter.write)))
        } catch let error as TransportError {
            throw CLIFailure.unreachable(error.kind == .connect ? "no daemon listening" : error.kind.name, socket: socket)
        }
        let json = (try? JSONParser.parse(response.body)) ?? .null
        guard response.status < 400 else {
            let error = (try? ErrorBody(json: json)).map { "\($0.code): \($0.message)" } ?? "HTTP \(response.status)"
            throw CLIFailure(code: response.status == 502 ? 4 : (response.status < 500 ? 5 : 1), message: error)
        }
        return json
    }
}
