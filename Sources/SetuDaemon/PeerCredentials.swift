import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Who is at the other end of a control-socket connection, as the kernel
/// reports it (SO_PEERCRED and SO_PEERGROUPS), not as the client claims.
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups; empty when the kernel could not report them.
    public var groups: [UInt32]

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32]) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    public var description: String { "pid \(pid), uid \(uid), gid \(gid)" }

    /// Reads the credentials of a connected Unix-socket channel's peer.
    public static func of(_ channel: any Channel) async throws -> PeerCredentials {
        guard let socket = channel as? any SocketOptionProvider else { throw PeerCredentialsError.notASocket }
        let cred: KernelUcred = try await socket.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)).get()
        // 64 groups covers any office account; a peer with more is judged by
        // its primary group alone (the kernel answers ERANGE).
        let groups: SIMD64<UInt32>? = try? await socket.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERGROUPS)).get()
        // NIO zero-fills the buffer, so unused slots read as 0; gid 0 is still
        // recognised through the primary group.
        let supplementary = groups.map { vector in (0..<vector.scalarCount).map { vector[$0] }.filter { $0 != 0 } }
        return PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid, groups: supplementary ?? [])
    }
}

/// Linux's `struct ucred` (pid_t, uid_t, gid_t), which Glibc's Swift module
/// leaves out because it sits behind `_GNU_SOURCE`.
struct KernelUcred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

enum PeerCredentialsError: Error {
    case notASocket
}

/// Who may change things through the control socket: root, the daemon's own
/// user, and members of the socket's group (the `setu` group in
/// setud.service). Reading needs only a connection, which the socket's mode
/// (0660) already limits.
public struct ControlAccessPolicy: Sendable {
    public var socketPath: String
    public var daemonUID: UInt32

    public init(socketPath: String, daemonUID: UInt32 = geteuid()) {
        self.socketPath = socketPath
        self.daemonUID = daemonUID
    }

    /// The group owning the socket file, looked up on each check so a
    /// `chgrp` by the administrator takes effect at once.
    func socketGroup() -> UInt32? {
        var info = stat()
        guard stat(socketPath, &info) == 0 else { return nil }
        return info.st_gid
    }

    public func mayWrite(_ peer: PeerCredentials) -> Bool {
        if peer.uid == 0 || peer.uid == daemonUID { return true }
        guard let group = socketGroup() else { return false }
        return peer.gid == group || peer.groups.contains(group)
    }
}
