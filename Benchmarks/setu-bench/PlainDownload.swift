import Foundation
import SetuProtocol
import SetuTestSupport
import SetuTransport

/// Issue 18's baseline for the network path: the same feed a bootstrapping
/// office pulls, in the same form (`format`), downloaded from the same
/// `setu-hub` with libcurl (gzip, one kept connection, the hub's largest
/// pages) and thrown away: no decode, no merge, no SQLite. What a bootstrap
/// takes beyond this is setud's own work.
///
/// Each page's cursor and `more` are read from the page's last bytes, where
/// the hub writes them (`PullPageWriter`), so the client does no work per record.
struct PlainDownload {
    var seconds = 0.0
    var pages = 0
    /// The answers' bytes as they crossed the socket (gzipped), and once
    /// gunzipped.
    var wireBytes = 0
    var bodyBytes = 0
    /// The last page's cursor: where a later download of what came since starts.
    var cursor: String?

    /// Pages as large as the hub serves (`Setu-Page-Limits`, read from its
    /// first answer, which is a page of the default size), from the feed's
    /// start or `after` a cursor an earlier download ended at.
    static func run(port: Int, token: String, format: PullPageFormat = .states(.current), after start: String? = nil) async throws -> PlainDownload {
        let transport = CurlTransport(options: CurlOptions(baseURL: "http://127.0.0.1:\(port)"))
        var result = PlainDownload()
        var cursor = start
        var limits: PageLimits?
        let began = ContinuousClock.now
        while true {
            var path = "/v1/pull?" + (limits.map { "limit=\($0.records)&max_bytes=\($0.bytes)" } ?? "")
            if let cursor { path += "&cursor=\(cursor)" }
            let answer = try await transport.send(TransportRequest(method: "GET", path: path, headers: [("Authorization", "Bearer \(token)"), ("Accept", format.contentType)]))
            guard answer.status == 200 else {
                if answer.status == 204 { break }
                throw SupportError("plain download: the hub answered \(answer.status): \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
            }
            limits = answer.headers[SyncHeader.pageLimits.lowercased()].flatMap(PageLimits.init(header:))
            result.pages += 1
            result.wireBytes += answer.bytesReceived
            result.bodyBytes += answer.body.count
            let (next, more) = try Self.cursorAndMore(answer.body)
            cursor = next
            if !more { break }
        }
        result.seconds = (ContinuousClock.now - began) / .seconds(1)
        result.cursor = cursor
        return result
    }

    /// `"cursor":"…","more":true}` at the end of a page (either form),
    /// parsed from there.
    static func cursorAndMore(_ body: [UInt8]) throws -> (cursor: String, more: Bool) {
        let key = Array(#""cursor":"#.utf8)
        let tail = body.suffix(512)
        guard let at = tail.indices.reversed().first(where: { tail[$0...].starts(with: key) }) else {
            throw SupportError("plain download: no cursor at the end of a page")
        }
        let page = try JSONParser.parse(Array("{".utf8) + tail[at...])
        guard case .string(let cursor)? = page["cursor"], case .bool(let more)? = page["more"] else {
            throw SupportError("plain download: a page ends without its cursor and more")
        }
        return (cursor, more)
    }
}
