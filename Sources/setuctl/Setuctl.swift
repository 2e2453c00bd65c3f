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
            Bundles: 5 refused (tampered, truncated, wrong node or hub, replayed; nothing applied).
            The socket is --socket, else $SETU_SOCKET, else /run/setu/setud.sock.
            """,
        version: SetuVersion.current,
        subcommands: [Status.self, Sync.self, Conflicts.self, Resolve.self, Get.self, Put.self, Patch.self,
                      Delete.self, List.self, Stock.self, Import.self, Request.self, Export.self, Rejects.self, Bundle.self])

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
