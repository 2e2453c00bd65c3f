import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol
import SetuTransport

/// HTTP/JSON to setud over its Unix socket.
struct ControlClient {
    let socket: String

    /// `timeoutSeconds` 0: no limit (a sync waited for lasts as long as it
    /// runs; a gone setud closes the socket, which ends the wait). The
    /// low-speed abort meant for 2G links is off: setud sends nothing while
    /// it works, and the client gave up after 30 s while setud went on.
    func call(_ method: String, _ path: String, body: JSONValue? = nil, timeoutSeconds: Int = 30) async throws -> JSONValue {
        let response = try await send(method, path, body: body.map(JSONWriter.write), contentType: "application/json", timeoutSeconds: timeoutSeconds)
        return (try? JSONParser.parse(response)) ?? .null
    }

    /// Any body out, the answer's bytes back (bundle files); failures as
    /// for `call`.
    func send(_ method: String, _ path: String, body: [UInt8]?, contentType: String, timeoutSeconds: Int = 30) async throws -> [UInt8] {
        var options = CurlOptions(baseURL: "http://setud")
        options.unixSocketPath = socket
        options.totalTimeoutSeconds = timeoutSeconds
        options.lowSpeedSeconds = 0
        options.connectTimeoutSeconds = 5
        let transport = CurlTransport(options: options)
        let response: TransportResponse
        do {
            response = try await transport.send(TransportRequest(method: method, path: path, headers: [("Content-Type", contentType)], body: body))
        } catch let error as TransportError {
            if let denied = CLIFailure.permissionDenied(socket: socket) { throw denied }
            let detail = error.kind == .connect
                ? (FileManager.default.fileExists(atPath: socket) ? "no daemon listening" : "no socket there")
                : error.kind.name
            throw CLIFailure.unreachable(detail, socket: socket)
        }
        guard response.status < 400 else {
            let json = (try? JSONParser.parse(response.body)) ?? .null
            let error = (try? ErrorBody(json: json)).map { "\($0.code): \($0.message)" } ?? "HTTP \(response.status)"
            throw CLIFailure(code: response.status == 502 ? 4 : (response.status < 500 ? 5 : 1), message: error)
        }
        return response.body
    }
}
