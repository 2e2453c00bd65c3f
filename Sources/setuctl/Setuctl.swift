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
            4 sync failed, 5 refused (invalid input, no such record, a socket you may not use),
            6 sync finished but set records aside (listed; see setuctl rejects).
            The socket is --socket, else $SETU_SOCKET, else /run/setu/setud.sock.
            """,
        version: SetuVersion.current,
        subcommands: [Status.self, Sync.self, Conflicts.self, Resolve.self, Get.self, Put.self, Patch.self,
                      Delete.self, List.self, Stock.self, Import.self, Request.self, Export.self, Rejects.self])

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

    /// A socket that exists but that this user may not open: a matter of
    /// groups, not of a stopped daemon. Names the socket's group to join.
    static func permissionDenied(socket: String) -> CLIFailure? {
        var info = stat()
        guard stat(socket, &info) == 0, access(socket, R_OK | W_OK) != 0, errno == EACCES else { return nil }
        let group = getgrgid(info.st_gid).map { String(cString: $0.pointee.gr_name) } ?? "gid \(info.st_gid)"
        return CLIFailure(code: 5, message: "may not use setud's socket \(socket) (permission denied): it is open to the group \(group); "
            + "join it (sudo usermod -aG \(group) $USER, then log in again), or run as root")
    }
}

struct SocketOptions: ParsableArguments {
    @Option(name: .long, help: "setud's control socket (default: $SETU_SOCKET, else /run/setu/setud.sock).")
    var socket: String = ProcessInfo.processInfo.environment["SETU_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/setu/setud.sock"

    @Flag(name: .long, help: "Print JSON instead of the human view.")
    var json = false

    var client: ControlClient { ControlClient(socket: socket) }
}

/// HTTP/JSON to setud over its Unix socket.
struct ControlClient {
    let socket: String

    /// `timeoutSeconds` 0: no limit (a sync waited for lasts as long as it
    /// runs; a gone setud closes the socket, which ends the wait). The
    /// low-speed abort meant for 2G links is off: setud sends nothing while
    /// it works, and the client gave up after 30 s while setud went on.
    func call(_ method: String, _ path: String, body: JSONValue? = nil, timeoutSeconds: Int = 30) async throws -> JSONValue {
        var options = CurlOptions(baseURL: "http://setud")
        options.unixSocketPath = socket
        options.totalTimeoutSeconds = timeoutSeconds
        options.lowSpeedSeconds = 0
        options.connectTimeoutSeconds = 5
        let transport = CurlTransport(options: options)
        let response: TransportResponse
        do {
            response = try await transport.send(TransportRequest(method: method, path: path,
                                                                 headers: [("Content-Type", "application/json")], body: body.map(JSONWriter.write)))
        } catch let error as TransportError {
            if let denied = CLIFailure.permissionDenied(socket: socket) { throw denied }
            let detail = error.kind == .connect
                ? (FileManager.default.fileExists(atPath: socket) ? "no daemon listening" : "no socket there")
                : error.kind.name
            throw CLIFailure.unreachable(detail, socket: socket)
        }
        let json = (try? JSONParser.parse(response.body)) ?? .null
        guard response.status < 400 else {
            let error = (try? ErrorBody(json: json)).map { "\($0.code): \($0.message)" } ?? "HTTP \(response.status)"
            throw CLIFailure(code: response.status == 502 ? 4 : (response.status < 500 ? 5 : 1), message: error)
        }
        return json
    }
}
