import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP server that misbehaves on purpose, to test how the client
/// classifies failures.
public final class MisbehavingServer: @unchecked Sendable {
    public enum Behaviour: Sendable {
        case stall, reset, garbage, slowDrip
        /// An office proxy that wants credentials: 407 to every request, CONNECT included.
        case proxyAuthRequired
        /// Closes the connection without a byte of answer (a hub restarting).
        case emptyReply
        /// Reads one whole request (headers and Content-Length body), notes
        /// how many bytes it was, answers 200.
        case countBytes
        /// Answers one request per connection as if keeping it open (no
        /// `Connection: close`), then closes it: a hub whose idle timeout
        /// dropped a connection the client kept.
        case answerOnceThenDrop
    }

    /// Connections accepted so far.
    public var connections: Int { lock.withLock { accepted } }
    private var accepted = 0

    /// Bytes of the last request, with `.countBytes`.
    public var bytesReceived: Int { lock.withLock { counted } }
    private var counted = 0

    public let port: Int
    private let fd: Int32
    private let behaviour: Behaviour
    private var clients: [Int32] = []
    private let lock = NSLock()

    public init(_ behaviour: Behaviour) throws {
        // The client hangs up on purpose; a write after that must not kill the test process.
        signal(SIGPIPE, SIG_IGN)
        self.behaviour = behaviour
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let socketFD = fd
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                guard bind(socketFD, sa, length) == 0, listen(socketFD, 8) == 0, getsockname(socketFD, sa, &length) == 0 else {
                    throw CocoaError(.fileWriteUnknown)
                }
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            lock.withLock { accepted += 1 }
            var buffer = [UInt8](repeating: 0, count: 4096)
            if behaviour == .answerOnceThenDrop {
                _ = Self.readWholeRequest(client)
                let ok = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)
                _ = send(client, ok, ok.count, Int32(MSG_NOSIGNAL))
                close(client)
                continue
            }
            if behaviour == .countBytes {
                let total = Self.readWholeRequest(client)
                lock.withLock { counted = total }
                let ok = Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
                _ = send(client, ok, ok.count, Int32(MSG_NOSIGNAL))
                close(client)
                continue
            }
            _ = read(client, &buffer, buffer.count)
            switch behaviour {
            case .countBytes, .answerOnceThenDrop: break
            case .proxyAuthRequired:
                let answer = Array("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"office\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
                _ = send(client, answer, answer.count, Int32(MSG_NOSIGNAL))
                close(client)
            case .emptyReply:
                close(client)
            case .stall:
                // Read the request, never answer; closed at stop. Only such
                // sockets are remembered: closing one already closed would
                // close whatever file reused its number meanwhile (another
                // test's SQLite file, in a parallel run: "disk I/O error").
                lock.withLock { clients.append(client) }
                continue
            case .reset:
                var linger = linger(l_onoff: 1, l_linger: 0)
                setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                close(client)
            case .garbage:
                let junk = Array("SMTP READY\r\nthis is not http\r\n\r\n".utf8)
                _ = send(client, junk, junk.count, Int32(MSG_NOSIGNAL))
                close(client)
            case .slowDrip:
                let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".utf8)
                _ = send(client, head, head.count, Int32(MSG_NOSIGNAL))
                for _ in 0..<20 {
                    _ = send(client, [0x20], 1, Int32(MSG_NOSIGNAL))
                    usleep(500_000)
                }
                close(client)
            }
        }
    }

    /// Reads a request's head, then as many body bytes as its Content-Length says.
    private static func readWholeRequest(_ client: Int32) -> Int {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var expected: Int?
        while expected.map({ data.count < $0 }) ?? true {
            let n = read(client, &buffer, buffer.count)
            guard n > 0 else { break }
            data += buffer[..<n]
            if expected == nil, let end = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                expected = end.upperBound + length
            }
        }
        return data.count
    }

    public func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        lock.withLock { clients.forEach { close($0) } }
    }
}
