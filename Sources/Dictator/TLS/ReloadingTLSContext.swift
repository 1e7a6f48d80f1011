import Foundation
import Logging
import NIOSSL
import ProcessKit
import ServiceLifecycle

/// The TLS identity new connections get, replaced when the files change (cert-manager rotating a
/// certificate): a connection takes the current context when it is accepted and keeps it, so
/// connections made before a rotation (an agent's assignment watch) live on with the old
/// certificate while new ones get the new. A changed pair that cannot be read, does not parse or
/// does not match is logged and the old identity kept; it is tried again when the files change again.
///
/// `@unchecked Sendable`: `identity` and `stamps` are guarded by `lock`.
public final class ReloadingTLSContext: @unchecked Sendable {
    /// The files served.
    public let configuration: TLSServerConfiguration
    private let lock = NSLock()
    private var identity: TLSServerIdentity
    private var stamps: [TLSFileStamp?]

    /// Loads the files now; blocking (call it off the cooperative pool). Throws a `TLSFileError`
    /// naming the file that cannot be used.
    public init(configuration: TLSServerConfiguration) throws(TLSFileError) {
        self.configuration = configuration
        let stamps = configuration.stamps()
        identity = try configuration.load()
        self.stamps = stamps
    }

    /// The context for a connection accepted now.
    var current: NIOSSLContext { lock.withLock { identity.context } }

    /// The serial number (hex) of the certificate served now.
    public var serial: String { lock.withLock { identity.serial } }

    /// The current certificate's serial and expiry, as log metadata.
    var metadata: Logger.Metadata {
        let current = lock.withLock { self.identity }
        return ["serial": "\(current.serial)", "not_after": "\(current.notValidAfter)",
                "certificate": "\(configuration.certificateFile)"]
    }

    /// Reloads when a file's stamp changed since the last look; blocking (`stat`, file reads).
    /// Returns the outcome for the caller to log (the new identity is `current` then): nil when
    /// nothing changed.
    func reloadIfChanged() -> Result<TLSServerIdentity, TLSFileError>? {
        let now = configuration.stamps()
        guard lock.withLock({ now != stamps }) else { return nil }
        // A file caught while it is written may not parse: the next change is tried again.
        lock.withLock { stamps = now }
        do {
            let loaded = try configuration.load()
            lock.withLock { identity = loaded }
            return .success(loaded)
        } catch {
            return .failure(error)
        }
    }
}

/// Checks the TLS files every `reloadInterval` (off the cooperative pool) and swaps in a new
/// identity when they changed; stops on graceful shutdown.
struct TLSReloader: Service {
    let context: ReloadingTLSContext
    let logger: Logger

    func run() async throws {
        logger.info("serving TLS", metadata: context.metadata.merging(
            ["client_ca": "\(context.configuration.clientCAFile ?? "none")"], uniquingKeysWith: { $1 }))
        let wakeup = Wakeup()
        await withGracefulShutdownHandler {
            while !(await wakeup.isStopped) {
                await wakeup.wait(upTo: context.configuration.reloadInterval)
                if await wakeup.isStopped { break }
                let context = context
                switch await DedicatedThread.run("aeolus-tls-reload", { context.reloadIfChanged() }) {
                case .success:
                    logger.notice("TLS certificate reloaded", metadata: context.metadata)
                case .failure(let error):
                    logger.error("TLS files changed but cannot be used; still serving the previous certificate: \(error)",
                                 metadata: ["serial": "\(context.serial)"])
                case nil:
                    break
                }
            }
        } onGracefulShutdown: {
            Task { await wakeup.stop() }
        }
    }
}
