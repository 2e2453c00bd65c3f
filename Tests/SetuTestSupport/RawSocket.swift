import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP client socket to 127.0.0.1, for tests that misbehave on
/// purpose: sockets held idle, headers sent a byte at a time, bodies shorter
/// than their Content-Length.
public final class RawSocket: @unchecked Sendable {
    /// Closed once, by deinit (a failed init closes nothing twice).
    public let fd: Int32
    private var received: [UInt8] = []
    public private(set) var closedByPeer = false

    /// Connects; with `wait: false` the connect is only started (the socket
    /// may sit in the server's backlog, or in SYN_SENT past it).
    public init(port: Int, wait: Bool = true) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SupportError("socket: \(String(cString: strerror(errno)))") }
        if !wait { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 || (!wait && errno == EINPROGRESS) else {
            // deinit runs for a class whose init throws once every property
            // is set, and closes fd then.
            throw SupportError("connect to port \(port): \(String(cString: strerror(errno)))")
        }
        if wait { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    deinit { Glibc.close(fd) }

    /// A TCP socket bound to a free loopback port and not listening: a
    /// connection to that port is refused for as long as the caller holds it
    /// (and closes `fd`).
    public static func boundNotListening() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, ok else {
            if fd >= 0 { Glibc.close(fd) }
            throw SupportError("cannot bind a loopback port: \(String(cString: strerror(errno)))")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Sends what the socket takes now; false once the peer has gone.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } >= 0
    }

    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads whatever has arrived, without blocking; notes an end of stream
    /// or a reset as closed by the peer.
    public func poll() {
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while !closedByPeer {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received += buffer[..<n]; continue }
            if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN) { closedByPeer = true }
            return
        }
    }

    /// Everything the server sent so far, as text.
    public var text: String { String(decoding: received, as: UTF8.self) }
}

/// Waits for `condition`, checking every 50 ms, for at most `seconds`.
public func waitUntil(seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
