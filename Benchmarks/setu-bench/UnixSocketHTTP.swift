import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a Unix socket, one connection per request,
/// so the benchmark times exactly what setuctl pays for a status call.
enum UnixSocketHTTP {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func request(_ method: String, _ path: String, socket socketPath: String) throws -> (status: Int, body: [UInt8]) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(socketPath.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes + [0])
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect \(socketPath): errno \(errno)") }
        let request = Array("\(method) \(path) HTTP/1.1\r\nHost: setud\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { throw Failure(description: "write: errno \(errno)") }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 { throw Failure(description: "read: errno \(errno)") }
            if n == 0 { break }
            response += chunk[..<n]
        }
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, response.count - 3)).first(where: { Array(response[$0..<$0 + 4]) == separator }) else {
            throw Failure(description: "no HTTP header in the answer")
        }
        let statusLine = String(decoding: response[..<end], as: UTF8.self).split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure(description: "bad status line") }
        return (status, Array(response[(end + 4)...]))
    }
}
