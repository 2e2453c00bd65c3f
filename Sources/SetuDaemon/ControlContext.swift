import Hummingbird
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The request context of the control API: Hummingbird's basics plus the
/// connection's channel, so a handler can ask the kernel who is calling.
public struct ControlContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Refuses every call that changes something (anything but GET and HEAD)
/// unless the peer may write under the policy. Reads stay open to anyone the
/// socket's mode lets connect.
struct WriteAccessMiddleware: RouterMiddleware {
    let policy: ControlAccessPolicy

    func handle(_ request: Request, context: ControlContext,
                next: (Request, ControlContext) async throws -> Response) async throws -> Response {
        if request.method == .get || request.method == .head { return try await next(request, context) }
        let peer: PeerCredentials
        do { peer = try await PeerCredentials.of(context.channel) } catch {
            throw ControlError(403, "forbidden", "could not read the caller's credentials from the socket (\(error)); changes are refused")
        }
        guard policy.mayWrite(peer) else {
            context.logger.warning("refused a change from a peer outside the socket's group",
                                   metadata: ["setu.peer": "\(peer)", "setu.path": "\(request.uri.path)"])
            throw ControlError(403, "forbidden", refusal(for: peer))
        }
        return try await next(request, context)
    }

    func refusal(for peer: PeerCredentials) -> String {
        let group = policy.socketGroup().map(groupName) ?? "?"
        return "uid \(peer.uid) may read but not change: only root and members of group \(group), which owns "
            + "\(policy.socketPath), may. Run as root, or add the user to that group (usermod -aG \(group) USER) and log in again"
    }

    func groupName(_ gid: UInt32) -> String {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return String(gid) }
        return String(cString: name)
    }
}
