import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol
import SetuTransport

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
