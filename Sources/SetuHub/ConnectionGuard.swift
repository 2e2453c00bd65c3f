import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import SetuProtocol

/// Per-connection deadlines that an idle timeout alone does not give, and
/// JSON answers for requests the HTTP parser refuses.
///
/// - **Header timeout**: from a request's first byte to the end of its
///   headers. Hummingbird's idle timer only sees whole HTTP parts, and a
///   sender that trickles header bytes (slowloris) sends none until the end.
/// - **Body timeout**: from the end of the headers to the end of the body.
///   A body trickled one byte at a time keeps an idle timer happy for ever.
///   A false `Content-Length` (fewer bytes than it says, then silence) is
///   ended by the idle timeout, or by this one, whichever comes first.
/// - **Parser errors** (an oversized header, bad framing) get the JSON error
///   body every other 4xx has, instead of an empty 400.
///
/// Sits after the HTTP codec (it sees `HTTPRequestPart`s) and puts a small
/// observer of raw bytes at the front of the pipeline, on the same event
/// loop, to learn when a request starts.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    enum Phase: Equatable {
        /// Between requests, no byte of the next one yet (the idle timeout's turn).
        case waiting
        case readingHead(deadline: NIODeadline)
        case readingBody(deadline: NIODeadline)
        /// The whole request is in; the hub is answering.
        case responding
        case closed
    }

    let timeouts: ConnectionTimeouts
    private(set) var phase = Phase.waiting
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(timeouts: ConnectionTimeouts) {
        self.timeouts = timeouts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        do {
            try context.pipeline.syncOperations.addHandler(ByteObserver(owner: self), position: .first)
        } catch {
            // Without the observer no header deadline would ever start:
            // serve no connection unguarded.
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    /// Raw bytes arrived (called by the observer, on this event loop).
    fileprivate func bytesArrived() {
        guard phase == .waiting, let context else { return }
        enter(.readingHead(deadline: .now() + timeouts.header), context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: enter(.readingBody(deadline: .now() + timeouts.body), context: context)
        case .body: break
        case .end: enter(.responding, context: context)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), phase == .responding { enter(.waiting, context: context) }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        enter(.closed, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Before a request head has gone up the pipeline nobody else will
        // answer: say what was wrong, in JSON, and close.
        guard let parserError = error as? HTTPParserError, phase == .waiting || isReadingHead else {
            context.fireErrorCaught(error)
            return
        }
        let refusal: HubError = switch parserError {
        case .headerOverflow:
            HubError(431, "headers_too_large", "request headers over \(timeouts.maxHeaderBytes) bytes; send fewer or shorter headers")
        default:
            HubError(400, "bad_http", "the request is not valid HTTP/1.1 (\(parserError)); check any proxy between the office and the hub")
        }
        answerAndClose(refusal, context: context)
    }

    private var isReadingHead: Bool {
        if case .readingHead = phase { true } else { false }
    }

    private func enter(_ next: Phase, context: ChannelHandlerContext) {
        phase = next
        timer?.cancel()
        timer = nil
        switch next {
        case .readingHead(let deadline), .readingBody(let deadline):
            timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [weak self] in
                self?.deadlinePassed()
            }
        case .waiting, .responding, .closed:
            break
        }
    }

    private func deadlinePassed() {
        guard let context else { return }
        switch phase {
        case .readingHead:
            answerAndClose(HubError(408, "header_timeout", "request headers took over \(timeouts.header.seconds) s; the link is too slow or stalled, retry"), context: context)
        case .readingBody:
            // The hub's handler owns this request's answer: only close.
            enter(.closed, context: context)
            context.close(promise: nil)
        case .waiting, .responding, .closed:
            break
        }
    }

    private func answerAndClose(_ error: HubError, context: ChannelHandlerContext) {
        enter(.closed, context: context)
        let body = ByteBuffer(bytes: JSONWriter.write(error.body.json))
        let head = HTTPResponse(status: .init(code: error.statusCode), headerFields: [
            .contentType: "application/json; charset=utf-8", .contentLength: String(body.readableBytes), .connection: "close",
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}

/// Tells its `ConnectionGuard` when bytes arrive, and passes them on.
private final class ByteObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    weak var owner: ConnectionGuard?

    init(owner: ConnectionGuard) { self.owner = owner }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owner?.bytesArrived()
        context.fireChannelRead(data)
    }
}
