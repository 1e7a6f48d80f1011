// swift-tools-version:6.1
// Aeolus: eBPF probes for container networks, managed the GitOps way.
import PackageDescription

/// C-library shims: a module map and a `shim.h` each. Only the kits import them.
let systemLibraries: [Target] = [
    .systemLibrary(name: "CGit2", path: "Sources/CGit2", pkgConfig: "libgit2",
                   providers: [.apt(["libgit2-dev"])]),
    .systemLibrary(name: "CBPF", path: "Sources/CBPF", pkgConfig: "libbpf",
                   providers: [.apt(["libbpf-dev", "libelf-dev", "zlib1g-dev"])]),
    .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                   providers: [.apt(["libcurl4-openssl-dev"])]),
    .systemLibrary(name: "CNetlink", path: "Sources/CNetlink"),
    .systemLibrary(name: "CLandlock", path: "Sources/CLandlock"),
    .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy",
                   providers: [.apt(["libsnappy-dev"])]),
    // glibc's _GNU_SOURCE declarations ProcessKit needs (pipe2, posix_spawn closefrom/chdir).
    .systemLibrary(name: "CProcessKit", path: "Sources/CProcessKit"),
]

let package = Package(
    name: "Aeolus",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "aeolus", targets: ["aeolus"]),
        .executable(name: "aeolus-bench", targets: ["AeolusBench"]),
        .executable(name: "aeolus-fuzz", targets: ["AeolusFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: systemLibraries + [
        // Child processes without Foundation's Process: posix_spawn with signals unblocked and no
        // inherited descriptors, reaped by a thread of their own; bounded waits; run-to-completion helpers.
        .target(name: "ProcessKit", dependencies: ["CProcessKit"]),

        // Kits: the only places that touch C pointers.
        .target(name: "GitKit", dependencies: ["CGit2", "ProcessKit"]),
        .target(name: "BPFKit", dependencies: ["CBPF", "ProcessKit"]),
        .target(name: "CurlKit", dependencies: ["CCurl"]),
        .target(name: "Snappy", dependencies: ["CSnappy"]),
        // Network namespaces (setns on a thread of their own) and rtnetlink links and addresses.
        .target(name: "NetKit", dependencies: ["CNetlink"]),
        // Landlock: a child confined to the files it may read and write (a self-exec trampoline).
        .target(name: "SandboxKit", dependencies: ["CLandlock"]),

        // Prometheus remote write 1.0: prompb types (generated, see `make proto`) + snappy.
        .target(name: "RemoteWrite", dependencies: [
            "Snappy", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["Proto"]),

        // Pure values shared by every component and the wire between them.
        .target(name: "AeolusModel", dependencies: [.product(name: "Yams", package: "Yams")]),

        // The Kubernetes API over libcurl: kubeconfig / in-cluster configuration, list+watch informer, status patches.
        .target(name: "KubeKit", dependencies: [
            "CurlKit", "AeolusModel",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),

        // Signed commits: SSH signatures (PROTOCOL.sshsig) checked against trusted keys (allowed_signers).
        .target(name: "CommitVerification", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),

        // Templates to verified objects: clang, a content-addressed cache, the static verifier.
        .target(name: "Compiler", dependencies: [
            "AeolusModel", "BPFKit", "ProcessKit", "SandboxKit", .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // What the daemons share: listen before anything else, the stop deadline, deadlines and a cap
        // on HTTP connections, the open-file limit.
        .target(name: "ServiceKit", dependencies: [
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // The dictator (AHD): git source, desired state, planner, agent API, status writer, reactions.
        .target(name: "Dictator", dependencies: [
            "AeolusModel", "GitKit", "Compiler", "RemoteWrite", "CurlKit", "KubeKit", "ReactionEngine", "ServiceKit",
            "ProcessKit", "CommitVerification",
            .product(name: "Hummingbird", package: "hummingbird"),
            // HTTPS on the dictator's API: a TLS child channel whose certificate follows rotation.
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Yams", package: "Yams"),
        ]),

        // The closed loop's logic: trigger evaluation and reaction decisions (pure values).
        .target(name: "ReactionEngine", dependencies: ["AeolusModel"]),

        // The node agent (AHA): pod inventory, planner, applier, adoption, state reporting.
        .target(name: "Agent", dependencies: [
            "BPFKit", "AeolusModel", "CurlKit", "KubeKit", "NetKit", "ServiceKit", "ProcessKit",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // The collector (AHC): receivers (eBPF maps) -> processors -> exporters (remote write, /metrics).
        .target(name: "Collector", dependencies: [
            "AeolusModel", "BPFKit", "CurlKit", "RemoteWrite", "ServiceKit", "ProcessKit",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // `aeolus demo`: a one-machine cluster, the components as processes, and the story.
        .target(name: "Demo", dependencies: [
            "AeolusModel", "CurlKit", "ProcessKit", "Agent", "Dictator",
        ]),

        // The `aeolus` command: thin argument-parser commands over the modules above.
        .target(name: "AeolusCLI", dependencies: [
            "AeolusModel", "Compiler", "GitKit", "BPFKit", "CurlKit", "RemoteWrite", "Agent", "Collector", "Dictator", "Demo", "KubeKit",
            "ProcessKit", "ServiceKit", "CommitVerification",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "aeolus", dependencies: ["AeolusCLI", "SandboxKit"]),

        // `make bench`: Aeolus' figures beside a floor or peer measured in the same run.
        .executableTarget(name: "AeolusBench", dependencies: [
            "Compiler", "BPFKit", "AeolusModel", "Agent", "Collector", "Dictator", "ProcessKit",
            "RemoteWrite", "CurlKit", "AeolusTesting", "ServiceKit",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
        ]),

        // `make fuzz`: every outside input as a fuzz target (libFuzzer with -DFUZZING, a replayer without).
        .target(name: "FuzzTargets", dependencies: ["AeolusModel", "RemoteWrite", "Snappy", "Collector", "Dictator", "CommitVerification"]),
        .executableTarget(name: "AeolusFuzz", dependencies: ["FuzzTargets"]),

        // Test support, shipped as a library: temp git repos, git daemon, network-namespace pods, a fake
        // Kubernetes API server.
        .target(name: "AeolusTesting", dependencies: ["ProcessKit"]),

        .testTarget(name: "GitKitTests", dependencies: ["GitKit", "AeolusTesting"]),
        .testTarget(name: "BPFKitTests", dependencies: ["BPFKit", "AeolusTesting"], exclude: ["Programs"]),
        .testTarget(name: "CurlKitTests", dependencies: ["CurlKit", "AeolusTesting"]),
        .testTarget(name: "KubeKitTests", dependencies: ["KubeKit", "CurlKit", "AeolusModel", "AeolusTesting"]),
        .testTarget(name: "ProcessKitTests", dependencies: ["ProcessKit"]),
        .testTarget(name: "SnappyTests", dependencies: ["Snappy"]),
        .testTarget(name: "NetKitTests", dependencies: ["NetKit", "AeolusTesting"]),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets"], resources: [.copy("Corpus")]),
        .testTarget(name: "SandboxKitTests", dependencies: ["SandboxKit", "AeolusTesting"]),
        .testTarget(name: "RemoteWriteTests", dependencies: ["RemoteWrite"]),
        .testTarget(name: "AeolusModelTests", dependencies: ["AeolusModel"]),
        .testTarget(name: "CommitVerificationTests", dependencies: ["CommitVerification"]),
        .testTarget(name: "CompilerTests", dependencies: ["Compiler", "SandboxKit", "AeolusTesting"]),
        .testTarget(name: "ReactionEngineTests", dependencies: ["ReactionEngine"]),
        .testTarget(name: "AeolusCLITests", dependencies: ["AeolusTesting"]),
        .testTarget(name: "CollectorTests", dependencies: [
            "Collector", "AeolusModel", "BPFKit", "RemoteWrite", "AeolusTesting",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "AgentTests", dependencies: [
            "Agent", "BPFKit", "NetKit", "AeolusModel", "AeolusTesting", "Compiler", .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "DictatorTests", dependencies: [
            "Dictator", "AeolusModel", "GitKit", "Compiler", "CurlKit", "RemoteWrite", "CommitVerification", "AeolusTesting",
        ]),
        .testTarget(name: "TemplateTests", dependencies: ["Compiler", "BPFKit", "AeolusModel", "AeolusTesting"]),
    ]
)
