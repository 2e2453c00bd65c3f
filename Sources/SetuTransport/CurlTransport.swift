import CCurl
import Dispatch
import Foundation
import SetuThreads
import Synchronization

/// HTTP to the hub through libcurl (timeouts, low-speed abort, gzip, proxy,
/// CA file, client certificate). Each request gets its own easy handle on a
/// worker thread: curl calls block, and must not block Swift's cooperative
/// threads.
public final class CurlTransport: HubTransport {
    public let options: CurlOptions
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
    /// Easy handles between transfers. A handle keeps its connections (and
    /// TLS sessions) open: the pages of a sync, and the next sync's idle
    /// poll, then go over one connection instead of a TCP and TLS handshake
    /// each, which on a 2G link cost more than an idle poll's bytes.
    private let idle = Mutex<[CurlHandle]>([])
    /// Transfers run one at a time per sync; two cover a fetch overlapping an apply.
    private static let keptHandles = 2

    public init(options: CurlOptions) {
        _ = Self.globalInit
        self.options = options
    }

    deinit {
        for handle in idle.withLock({ $0 }) { curl_easy_cleanup(handle.pointer) }
    }

    /// A libcurl easy handle, passed between the threads of transfers one at a time.
    struct CurlHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    /// A kept handle (its options reset, its connections open), or a new one.
    private func takeHandle() throws -> CurlHandle {
        if let kept = idle.withLock({ $0.popLast() }) { return kept }
        guard let pointer = curl_easy_init() else { throw TransportError(.connect, "libcurl could not create a handle (out of memory?)") }
        return CurlHandle(pointer: pointer)
    }

    /// Keeps a handle whose transfer ended well, its options reset (no
    /// pointer into this transfer's buffers stays in it); one that failed
    /// (its connection may be half-used) or one too many is closed.
    private func give(back handle: CurlHandle, healthy: Bool) {
        if healthy { curl_easy_reset(handle.pointer) }
        let kept = healthy && idle.withLock { handles in
            guard handles.count < Self.keptHandles else { return false }
            handles.append(handle)
            return true
        }
        if !kept { curl_easy_cleanup(handle.pointer) }
    }

    /// Each request on a thread of its own, not a Dispatch queue: a
    /// concurrent queue runs on Dispatch's pool, whose width follows the
    /// cores, so with 2 cores two stalled transfers made every other one
    /// wait (a stall noticed after 55 s instead of the 10 s low-speed limit,
    /// measured with the suite running in parallel).
    ///
    /// Cancelling the calling task aborts the transfer within about a
    /// second (libcurl's progress callback, which it calls even while no
    /// byte moves, sees the flag): a SIGTERM while the hub never answers
    /// must not wait for a timeout.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let options = self.options
        let cancelled = CancelFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let thread = Thread { [self] in
                    if let niceness = options.threadNiceness { ThreadPriority.lowerCallingThread(to: niceness) }
                    continuation.resume(with: Result {
                        let handle = try takeHandle()
                        var healthy = false
                        defer { give(back: handle, healthy: healthy) }
                        let response = try Self.perform(request, options: options, on: handle.pointer, cancelled: cancelled)
                        healthy = true
                        return response
                    })
                }
                thread.name = "setu.curl"
                thread.start()
            }
        } onCancel: {
            cancelled.set()
        }
    }

    /// Set from the cancelling task, read on the transfer's thread.
    final class CancelFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.withLock { value = true } }
        var isSet: Bool { lock.withLock { value } }
    }

    /// Collects the answer from curl's callbacks.
    private final class Sink {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
    }

    static func perform(_ request: TransportRequest, options: CurlOptions, cancelled: CancelFlag = CancelFlag()) throws -> TransportResponse {
        guard let handle = curl_easy_init() else { throw TransportError(.connect, "libcurl could not create a handle (out of memory?)") }
        defer { curl_easy_cleanup(handle) }
        return try perform(request, options: options, on: handle, cancelled: cancelled)
    }

    /// One transfer on `handle`, whose options are all set here.
    static func perform(_ request: TransportRequest, options: CurlOptions, on handle: UnsafeMutableRawPointer,
                        cancelled: CancelFlag) throws -> TransportResponse {
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        let sink = Sink()
        let box = Unmanaged.passRetained(sink)
        defer { box.release() }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let url = options.baseURL + request.path
        try errorBuffer.withUnsafeMutableBufferPointer { errors in
            func check(_ code: CURLcode, _ what: String) throws {
                guard code == CURLE_OK else { throw TransportError(.badResponse, "libcurl refused option \(what): \(String(cString: curl_easy_strerror(code)))") }
            }
            try check(setu_curl_set_string(handle, CURLOPT_URL, url), "url")
            try check(setu_curl_set_long(handle, CURLOPT_NOSIGNAL, 1), "nosignal")
            try check(setu_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress), "errorbuffer")
            try check(setu_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, options.connectTimeoutSeconds), "connect timeout")
            try check(setu_curl_set_long(handle, CURLOPT_TIMEOUT, options.totalTimeoutSeconds), "timeout")
            try check(setu_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, options.lowSpeedBytesPerSecond), "low speed limit")
            try check(setu_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, options.lowSpeedSeconds), "low speed time")
            // "" = every encoding libcurl supports; it also decodes the answer.
            try check(setu_curl_set_string(handle, CURLOPT_ACCEPT_ENCODING, ""), "accept-encoding")
            try check(setu_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0), "followlocation")
            if let proxy = options.proxy { try check(setu_curl_set_string(handle, CURLOPT_PROXY, proxy), "proxy") }
            if let credentials = options.proxyCredentials { try check(setu_curl_set_string(handle, CURLOPT_PROXYUSERPWD, credentials), "proxy credentials") }
            if let ca = options.caFile { try check(setu_curl_set_string(handle, CURLOPT_CAINFO, ca), "ca file") }
            if let cert = options.clientCertificate { try check(setu_curl_set_string(handle, CURLOPT_SSLCERT, cert), "client certificate") }
            if let key = options.clientKey { try check(setu_curl_set_string(handle, CURLOPT_SSLKEY, key), "client key") }
            if let socket = options.unixSocketPath { try check(setu_curl_set_string(handle, CURLOPT_UNIX_SOCKET_PATH, socket), "unix socket") }
            let verify: Int = options.verifiesTLS ? 1 : 0
            try check(setu_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, verify), "verify peer")
            try check(setu_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, verify * 2), "verify host")

            for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
            // No "Expect: 100-continue" round trip on slow links.
            headerList = curl_slist_append(headerList, "Expect:")
            try check(setu_curl_set_slist(handle, CURLOPT_HTTPHEADER, headerList), "headers")
            switch request.method {
            case "GET": try check(setu_curl_set_long(handle, CURLOPT_HTTPGET, 1), "get")
            default:
                try check(setu_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method), "method")
                let body = request.body ?? []
                try check(setu_curl_set_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "body size")
                // COPYPOSTFIELDS: curl keeps its own copy past this call.
                try body.withUnsafeBufferPointer { bytes in
                    try check(setu_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)), "body")
                }
            }
            try check(setu_curl_set_write_function(handle) { data, size, count, user in
                let sink = Unmanaged<Sink>.fromOpaque(user!).takeUnretainedValue()
                let n = size * count
                if let data { sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n)) }
                return n
            }, "write function")
            try check(setu_curl_set_pointer(handle, CURLOPT_WRITEDATA, box.toOpaque()), "write data")
            try check(setu_curl_set_header_function(handle) { data, size, count, user in
                let sink = Unmanaged<Sink>.fromOpaque(user!).takeUnretainedValue()
                let n = size * count
                guard let data else { return n }
                let line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
                if line.hasPrefix("HTTP/") { sink.headers = [:] }
                if let colon = line.firstIndex(of: ":") {
                    sink.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                }
                return n
            }, "header function")
            try check(setu_curl_set_pointer(handle, CURLOPT_HEADERDATA, box.toOpaque()), "header data")
            try check(setu_curl_set_long(handle, CURLOPT_NOPROGRESS, 0), "progress")
            try check(setu_curl_set_xferinfo_function(handle) { flag, _, _, _, _ in
                Unmanaged<CancelFlag>.fromOpaque(flag!).takeUnretainedValue().isSet ? 1 : 0
            }, "progress function")
            try check(setu_curl_set_pointer(handle, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(cancelled).toOpaque()), "progress data")

            let code = withExtendedLifetime(cancelled) { curl_easy_perform(handle) }
            if code == CURLE_ABORTED_BY_CALLBACK, cancelled.isSet { throw CancellationError() }
            guard code == CURLE_OK else {
                let detail = String(cString: errors.baseAddress!)
                var connectCode = 0
                _ = setu_curl_get_long(handle, CURLINFO_HTTP_CONNECTCODE, &connectCode)
                if let refusal = TransportError.proxyRefusal(status: connectCode) { throw refusal }
                throw Self.error(for: code, detail: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail, url: url)
            }
        }
        var status = 0
        _ = setu_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var sent: curl_off_t = 0, received: curl_off_t = 0
        _ = setu_curl_get_off_t(handle, CURLINFO_SIZE_UPLOAD_T, &sent)
        _ = setu_curl_get_off_t(handle, CURLINFO_SIZE_DOWNLOAD_T, &received)
        // Headers count too: on a metered 2G link they are most of an idle sync.
        // CURLINFO_REQUEST_SIZE holds the body too when libcurl sent it with
        // the headers (a small body: 10 kB did), not when it followed them
        // (2 MB did not); measured against a server counting what it read.
        // Adding the upload size always had counted small bodies twice.
        var headerBytes = 0, requestBytes = 0, connects = 0
        _ = setu_curl_get_long(handle, CURLINFO_HEADER_SIZE, &headerBytes)
        _ = setu_curl_get_long(handle, CURLINFO_REQUEST_SIZE, &requestBytes)
        _ = setu_curl_get_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        var microseconds: curl_off_t = 0
        _ = setu_curl_get_off_t(handle, CURLINFO_TOTAL_TIME_T, &microseconds)
        return TransportResponse(status: status, headers: sink.headers, body: sink.body,
                                 bytesSent: requestBytes >= Int(sent) ? requestBytes : requestBytes + Int(sent), bytesReceived: Int(received) + headerBytes,
                                 newConnections: connects, seconds: Double(microseconds) / 1e6)
    }

    /// Maps libcurl's codes to the categories of `TransportError`.
    static func error(for code: CURLcode, detail: String, url: String) -> TransportError {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST:
            return TransportError(.dns, "cannot resolve the hub's name (\(detail)); check the network and hub.url")
        case CURLE_COULDNT_RESOLVE_PROXY:
            return TransportError(.proxy, "cannot resolve the proxy's name (\(detail)); check hub.proxy or http_proxy")
        case CURLE_COULDNT_CONNECT:
            return TransportError(.connect, "cannot connect to \(url) (\(detail)); is the hub up and reachable?")
        case CURLE_OPERATION_TIMEDOUT:
            if detail.contains("than") || detail.lowercased().contains("low speed") || detail.contains("bytes/sec") {
                return TransportError(.stalled, "the link stalled (\(detail)); it will be retried")
            }
            return TransportError(.timeout, "no answer in time (\(detail)); raise hub.total_timeout_seconds on very slow links")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CRL_BADFILE:
            return TransportError(.tls, "TLS with the hub failed (\(detail)); check hub.ca_file, the client certificate and this PC's clock")
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE:
            return TransportError(.reset, "the connection broke (\(detail)); it will be retried")
        case CURLE_GOT_NOTHING:
            return TransportError(.reset, "the hub closed the connection without answering (restarting, or cut by a proxy); it will be retried")
        case CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING, CURLE_UNSUPPORTED_PROTOCOL, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return TransportError(.badResponse, "the hub's answer was not valid HTTP (\(detail)); is hub.url pointing at a Setu hub?")
        default:
            if detail.lowercased().contains("proxy") { return TransportError(.proxy, "\(detail); check the proxy settings") }
            return TransportError(.connect, "\(detail) (libcurl error \(code.rawValue))")
        }
    }
}
