import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// A server child channel that puts TLS in front of `base` with the context `contexts` holds
/// when the connection is accepted (Hummingbird's `TLSChannel` takes one fixed context; this one
/// follows certificate rotation).
struct ReloadingTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let contexts: ReloadingTLSContext

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = contexts.current
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension ReloadingTLSChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with `configuration`, behind TLS whose certificate follows `tls` (nil: plain HTTP).
    static func http1(configuration: HTTP1Channel.Configuration = .init(), tls: ReloadingTLSContext?) -> HTTPServerBuilder {
        guard let tls else { return .http1(configuration: configuration) }
        return .init { responder in
            ReloadingTLSChannel(base: HTTP1Channel(responder: responder, configuration: configuration), contexts: tls)
        }
    }
}
