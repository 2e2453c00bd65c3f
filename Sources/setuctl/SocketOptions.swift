import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol
import SetuTransport

struct SocketOptions: ParsableArguments {
    @Option(name: .long, help: "setud's control socket (default: $SETU_SOCKET, else /run/setu/setud.sock).")
    var socket: String = ProcessInfo.processInfo.environment["SETU_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/setu/setud.sock"

    @Flag(name: .long, help: "Print JSON instead of the human view.")
    var json = false

    var client: ControlClient { ControlClient(socket: socket) }
}
